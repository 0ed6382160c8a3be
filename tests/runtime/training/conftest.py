"""Real Redis for the training tests, and a decider with the example's training policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.runtime.decision.decider import Decider
from testsupport import servers
from testsupport.processes import Server, require_program

POLICY = """package sentinel.decision

import rego.v1

deny contains {"rule": "training.admin", "message": "needs admin:training", "weight": 10000} if {
\tinput.action in {"training.enable", "training.disable"}
\tnot "admin:training" in input.context.scopes
}
"""


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Server]:
    program = require_program("redis-server", "apt-get install redis-server")
    server = servers.redis(program, tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


def redis_url(server: Server) -> str:
    return f"redis://127.0.0.1:{server.port}/0"


def decider() -> Decider:
    return Decider.from_modules([("training.rego", POLICY)], {}, revision="t1", constitution_hash="e0" * 32)
