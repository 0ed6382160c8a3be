"""Start the real ``sentinel serve`` (uvicorn, in a subprocess, on a free loopback port)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from testsupport.files import write
from testsupport.processes import Server, free_port, start

CLI = "import sys; from sentinel.cli import main; sys.exit(main())"

DECISION_POLICY = """\
package sentinel.decision

import rego.v1

deny contains {"rule": "no-delete", "message": "deletes are not allowed", "weight": 6000} if {
	input.action == "delete"
}

deny contains "mallory is blocked" if input.subject == "mallory"

warn contains {"rule": "audit", "message": "admin action", "weight": 10} if input.action == "admin"

allow if not input.action == "delete"
"""


def serve_argv(*args: str) -> list[str]:
    return [sys.executable, "-c", CLI, "serve", *args]


@dataclass
class Running:
    server: Server
    client: httpx.Client

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


StartServer = Callable[..., Running]


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "policy"
    write(folder, "decision.rego", DECISION_POLICY)
    return folder


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """``start_server(*serve_args)`` -> a running ``sentinel serve`` and an httpx client for it."""
    started: list[Running] = []

    def _start(*args: str) -> Running:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        server = start(serve_argv(*args, "--addr", f"127.0.0.1:{port}"), port, log, cwd=tmp_path)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10.0)
        running = Running(server, client)
        started.append(running)
        return running

    yield _start
    for running in started:
        running.client.close()
        running.server.stop()


@pytest.fixture
def service(start_server: StartServer, policy_dir: Path) -> Running:
    """``sentinel serve --policy <the decision policy above>``."""
    return start_server("--policy", str(policy_dir))
