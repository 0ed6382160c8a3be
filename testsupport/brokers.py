"""Real brokers for the events tests and benchmarks: NATS with JetStream, and a one-node Kafka (KRaft).

NATS is Debian's ``nats-server``. Kafka has no Debian package: ``make kafka`` fetches the broker and its
dependencies from Maven Central (``testsupport/kafka/pom.xml``) into ``.tools/kafka/libs``; this module
formats a KRaft storage directory and starts ``kafka.Kafka`` with a generated ``server.properties`` on
loopback ports. Both restart on the same data directory and port, as a crashed broker would come back.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from testsupport.processes import Server, find_program, free_port, start

KAFKA_LIBS = Path(__file__).resolve().parent.parent / ".tools" / "kafka" / "libs"
KAFKA_HINT = "run `make kafka` (Maven fetches the Kafka broker into .tools/kafka/libs; needs a JDK 17+)"
NATS_HINT = "apt-get install -y nats-server"
KAFKA_MAX_MESSAGE_BYTES = 262144
NATS_MAX_PAYLOAD = 262144
_KAFKA_START_TIMEOUT = 30.0


@dataclass
class Nats:
    """A nats-server with JetStream on 127.0.0.1:``port`` storing in ``store``."""

    program: str
    port: int
    store: Path
    log: Path
    max_payload: int = NATS_MAX_PAYLOAD
    server: Server | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> Nats:
        self.store.parent.mkdir(parents=True, exist_ok=True)
        config = self.store.parent / f"nats-{self.port}.conf"
        config.write_text(f"max_payload: {self.max_payload}\n")
        self.store.mkdir(parents=True, exist_ok=True)
        argv = [self.program, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store),
                "-c", str(config)]
        self.server = start(argv, self.port, self.log, timeout=15.0)
        return self

    def kill(self) -> None:
        if self.server is not None:
            self.server.kill()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def nats(program: str, workdir: Path, *, max_payload: int = NATS_MAX_PAYLOAD) -> Nats:
    """A started NATS JetStream server on a free port, storing under ``workdir``."""
    port = free_port()
    return Nats(program, port, workdir / "jetstream", workdir / f"nats-{port}.log", max_payload).start()


def kafka_java() -> str | None:
    """``java`` (17 or later) when the broker's jars are in place, else None."""
    if not (KAFKA_LIBS.is_dir() and any(KAFKA_LIBS.glob("kafka_2.13-*.jar"))):
        return None
    return find_program("java")


@dataclass
class Kafka:
    """A one-node KRaft Kafka (broker and controller) on loopback, with a small heap."""

    java: str
    workdir: Path
    port: int
    controller_port: int
    message_max_bytes: int = KAFKA_MAX_MESSAGE_BYTES
    server: Server | None = None
    starts: int = field(default=0)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"kafka-{self.starts}.log"

    def _java(self, main: str, *args: str, heap: str = "-Xmx512m") -> list[str]:
        return [
            self.java, heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            f"-Dlog4j2.configurationFile={self.workdir / 'log4j2.properties'}",
            "-cp", f"{KAFKA_LIBS}/*", main, *args,
        ]

    def format(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "server.properties").write_text(
            "\n".join([
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={self.workdir / 'data'}",
                "num.partitions=1",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                f"message.max.bytes={self.message_max_bytes}",
                "",
            ])
        )
        (self.workdir / "log4j2.properties").write_text(
            "\n".join([
                "status = error",
                "appender.console.type = Console",
                "appender.console.name = STDOUT",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = WARN",
                "rootLogger.appenderRef.stdout.ref = STDOUT",
                "",
            ])
        )
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        result = subprocess.run(
            self._java("kafka.tools.StorageTool", "format", "-t", cluster_id,
                       "-c", str(self.workdir / "server.properties"), heap="-Xmx256m"),
            capture_output=True, text=True, timeout=30, check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"kafka storage format failed ({result.returncode}): {result.stdout[-2000:]}"
                               f"{result.stderr[-2000:]}")

    def start(self) -> Kafka:
        self.starts += 1
        argv = self._java("kafka.Kafka", str(self.workdir / "server.properties"))
        self.server = start(argv, self.port, self.log, timeout=_KAFKA_START_TIMEOUT)
        return self

    def kill(self) -> None:
        if self.server is not None:
            self.server.kill()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(timeout=20.0)

    def output(self) -> str:
        return self.server.output() if self.server else ""


def kafka(java: str, workdir: Path) -> Kafka:
    """A formatted and started one-node Kafka on free loopback ports."""
    node = Kafka(java, workdir, free_port(), free_port())
    node.format()
    return node.start()
