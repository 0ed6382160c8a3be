"""Real servers for tests and benchmarks: started on a free loopback port, stopped by PID.

Every server a test needs (redis-server, nginx, nats-server, opa, a Kafka broker, uvicorn) is a real
program started with :func:`start`; the kernel kills it when the process that started it dies
(``PR_SET_PDEATHSIG``), so a crashed test run leaves nothing listening. The kernel ties that to the
*thread* that started the server: start servers from a thread that lives as long as they should (not
from ``asyncio.to_thread``, whose worker may end first and take the server with it).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def find_program(name: str, *extra_dirs: str) -> str | None:
    """``name`` on PATH, in the repository's ``.tools/bin``, or in ``extra_dirs`` (``/usr/sbin``)."""
    repo_tools = Path(__file__).resolve().parent.parent / ".tools" / "bin"
    for folder in (str(repo_tools), *extra_dirs):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


@dataclass
class Server:
    """A started server: its process, its loopback port and where its output goes."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        """Signal the process by PID and wait for it; SIGKILL if it does not exit in time."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown handler runs."""
        self.stop(signal.SIGKILL)


def wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"server exited with {proc.returncode} before listening:\n{tail}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {timeout} s:\n{log.read_text()[-3000:]}")


def start(
    argv: Sequence[str],
    port: int,
    log: Path,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 30.0,
) -> Server:
    """Start ``argv`` (which must listen on 127.0.0.1:``port``) and wait until it accepts connections."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            preexec_fn=_die_with_parent,
        )
    server = Server(proc=proc, port=port, log=log)
    try:
        wait_for_port(port, proc, log, timeout)
    except BaseException:
        server.kill()
        raise
    return server


@contextlib.contextmanager
def running(argv: Sequence[str], port: int, log: Path, **kwargs: object) -> Iterator[Server]:
    server = start(argv, port, log, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def require_program(name: str, install_hint: str) -> str:
    """The program's path for a test; a missing program skips, or fails under ``SENTINEL_REQUIRE_ORACLES=1``
    (``make unit`` and CI set it), so CI never passes without running the real server."""
    import pytest

    found = find_program(name, "/usr/sbin", "/usr/local/sbin")
    if found:
        return found
    message = f"{name} not found on PATH, in .tools/bin or /usr/sbin ({install_hint})"
    if os.environ.get("SENTINEL_REQUIRE_ORACLES") == "1":
        pytest.fail(f"{message}; SENTINEL_REQUIRE_ORACLES=1 forbids skipping", pytrace=False)
    pytest.skip(message)
