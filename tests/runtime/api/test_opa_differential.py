"""The same policy in ``sentinel serve`` and in the real ``opa run --server``: the same ``/v1/data``
answers (result, or no result) for every input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.runtime.api.conftest import Running, StartServer
from testsupport.files import write
from testsupport.processes import Server, free_port, require_program, start

POLICY = """\
package authz

import rego.v1

default allow := false

allow if {
	input.user.role == "admin"
}

allow if {
	input.method == "GET"
	startswith(input.path, "/public/")
}

reasons contains sprintf("role %s may not %s", [input.user.role, input.method]) if {
	not allow
	input.user.role
}

limits := data.limits[input.user.role]

score := count(reasons) * 10 + count(input.tags)
"""

DATA = '{"limits": {"admin": {"rps": 100}, "guest": {"rps": 1}}}'

INPUTS: list[dict[str, Any]] = [
    {"user": {"role": "admin"}, "method": "DELETE", "path": "/x", "tags": []},
    {"user": {"role": "guest"}, "method": "GET", "path": "/public/a", "tags": ["a"]},
    {"user": {"role": "guest"}, "method": "POST", "path": "/public/a", "tags": ["a", "b"]},
    {"user": {}, "method": "GET", "path": "/private", "tags": []},
    {"method": "GET"},
    {},
    {"user": {"role": "nobody"}, "method": "PUT", "path": "", "tags": ["x", "y", "z"]},
]
PATHS = [
    "authz/allow", "authz/reasons", "authz/limits", "authz/score", "authz", "limits/admin", "authz/missing",
]


@pytest.fixture(scope="module")
def opa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    program = require_program("opa", "make tools builds OPA v1.22.4 into .tools/bin")
    root = tmp_path_factory.mktemp("opa")
    write(root / "bundle", "authz.rego", POLICY)
    write(root / "bundle", "limits/data.json", DATA.replace('{"limits": ', "", 1)[:-1])
    port = free_port()
    server = start(
        [program, "run", "--server", "--addr", f"127.0.0.1:{port}", "--log-level", "error",
         str(root / "bundle")],
        port,
        root / "opa.log",
    )
    yield server
    server.stop()


@pytest.fixture
def sentinel(start_server: StartServer, tmp_path: Path) -> Running:
    write(tmp_path / "policy", "authz.rego", POLICY)
    write(tmp_path / "policy", "limits/data.json", DATA.replace('{"limits": ', "", 1)[:-1])
    # Like OPA's loader, --data maps limits/data.json to data.limits.
    return start_server("--policy", str(tmp_path / "policy"), "--data", str(tmp_path / "policy"))


def _answer(response: httpx.Response) -> tuple[int, Any]:
    body = response.json()
    return response.status_code, body.get("result", "<undefined>")


@pytest.mark.parametrize("path", PATHS)
def test_sentinel_answers_opas_data_api_results(opa: Server, sentinel: Running, path: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{opa.port}", timeout=10) as opa_client:
        for document in INPUTS:
            expected = _answer(opa_client.post(f"/v1/data/{path}", json={"input": document}))
            actual = _answer(sentinel.client.post(f"/v1/data/{path}", json={"input": document}))
            assert actual == expected, (path, document)


def test_sentinel_answers_opas_get_without_input(opa: Server, sentinel: Running) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{opa.port}", timeout=10) as opa_client:
        for path in ("limits", "authz/allow", "authz/reasons"):
            expected = _answer(opa_client.get(f"/v1/data/{path}"))
            assert _answer(sentinel.client.get(f"/v1/data/{path}")) == expected


def test_bodies_without_an_object_input_get_the_same_answer_and_warning(
    opa: Server, sentinel: Running
) -> None:
    bodies = (b"", b'{"user": {"role": "admin"}}', b'{"input": 5}', b'{"input": "text"}', b'{"input": [1]}')
    opa_url = f"http://127.0.0.1:{opa.port}"
    with httpx.Client(base_url=opa_url, timeout=10, follow_redirects=True) as opa_client:
        for body in bodies:
            for path in ("authz/allow", "authz/score", "authz//allow"):
                expected = opa_client.post(f"/v1/data/{path}", content=body)
                actual = sentinel.client.post(f"/v1/data/{path}", content=body)
                assert _answer(actual) == _answer(expected), (path, body)
                assert actual.json().get("warning") == expected.json().get("warning"), (path, body)


def test_malformed_bodies_get_the_same_status_and_code(opa: Server, sentinel: Running) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{opa.port}", timeout=10) as opa_client:
        for body in (b"{nope", b"[1, 2]", b'"text"'):
            expected = opa_client.post("/v1/data/authz/allow", content=body)
            actual = sentinel.client.post("/v1/data/authz/allow", content=body)
            assert actual.status_code == expected.status_code
            assert actual.json()["code"] == expected.json()["code"]
