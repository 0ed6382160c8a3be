"""``sentinel token``: keygen, issue, verify (exit 0 / 1 with the reason / 2 usage), revoke and rotate
against a real redis-server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric import ec

from sentinel.cli import main
from sentinel.cli.token import MISSING_EXTRA
from testsupport import servers
from testsupport.processes import Server, require_program

CLI = "import sys; from sentinel.cli import main; sys.exit(main())"


def _run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["token", *args], input=stdin)


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    result = _run(
        "keygen",
        "--algorithm", "EdDSA",
        "--kid", "k1",
        "--out", str(tmp_path / "private.pem"),
        "--public-out", str(tmp_path / "public.pem"),
        "--jwks-out", str(tmp_path / "jwks.json"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return tmp_path


def _issue(keys: Path, *extra: str) -> str:
    result = _run(
        "issue",
        "--key",
        str(keys / "private.pem"),
        "--kid",
        "k1",
        "--sub",
        "alice",
        "--aud",
        "chat-api",
        *extra,
    )
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Server]:
    server = servers.redis(
        require_program("redis-server", "apt-get install redis-server"), tmp_path / "redis"
    )
    try:
        yield server
    finally:
        server.stop()


def test_keygen_writes_an_owner_only_private_key(keys: Path) -> None:
    assert os.stat(keys / "private.pem").st_mode & 0o777 == 0o600


def test_issued_token_verifies_and_prints_its_claims(keys: Path) -> None:
    token = _issue(keys, "--scope", "chat:read chat:write", "--tenant", "acme", "--ttl", "60")
    result = _run("verify", token, "--key", str(keys / "public.pem"), "--aud", "chat-api")
    assert result.exit_code == 0, result.output
    claims = json.loads(result.output)
    assert (claims["sub"], claims["scope"], claims["tenant"], claims["exp"] - claims["iat"]) == (
        "alice",
        "chat:read chat:write",
        "acme",
        60,
    )


def test_token_verifies_against_a_jwks_file(keys: Path) -> None:
    result = _run("verify", _issue(keys), "--jwks", str(keys / "jwks.json"), "--aud", "chat-api")
    assert result.exit_code == 0, result.output


def test_token_is_read_from_stdin_with_a_dash(keys: Path) -> None:
    result = _run(
        "verify", "-", "--key", str(keys / "public.pem"), "--aud", "chat-api", stdin=_issue(keys) + "\n"
    )
    assert result.exit_code == 0, result.output


def test_wrong_audience_exits_1_with_the_reason(keys: Path) -> None:
    result = _run("verify", _issue(keys), "--key", str(keys / "public.pem"), "--aud", "billing")
    assert result.exit_code == 1
    assert "wrong_audience" in result.output


def test_forged_token_exits_1_with_the_reason(keys: Path) -> None:
    attacker = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(
        {"sub": "alice", "aud": "chat-api"}, attacker, algorithm="ES256", headers={"kid": "k1"}
    )
    result = _run("verify", forged, "--jwks", str(keys / "jwks.json"), "--aud", "chat-api")
    assert result.exit_code == 1
    assert "alg_mismatch" in result.output


def test_key_and_jwks_together_are_a_usage_error(keys: Path) -> None:
    result = _run(
        "verify",
        _issue(keys),
        "--key",
        str(keys / "public.pem"),
        "--jwks",
        str(keys / "jwks.json"),
        "--aud",
        "a",
    )
    assert result.exit_code == 2
    assert "exactly one of --key" in result.output


def test_private_key_readable_by_others_is_a_usage_error(keys: Path) -> None:
    os.chmod(keys / "private.pem", 0o644)
    result = _run("issue", "--key", str(keys / "private.pem"), "--kid", "k1", "--sub", "a", "--aud", "b")
    assert result.exit_code == 2
    assert "chmod 600" in result.output


def test_ttl_over_the_maximum_is_a_usage_error(keys: Path) -> None:
    result = _run(
        "issue", "--key", str(keys / "private.pem"), "--kid", "k1", "--sub", "a", "--aud", "b",
        "--ttl", "7200", "--max-ttl", "3600",
    )  # fmt: skip
    assert result.exit_code == 2


def test_revoked_token_is_refused_by_verify(keys: Path, redis_server: Server) -> None:
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    token = _issue(keys)
    revoked = _run("revoke", token, "--redis-url", url, "--requester", "ops:bob")
    assert revoked.exit_code == 0, revoked.output
    result = _run("verify", token, "--key", str(keys / "public.pem"), "--aud", "chat-api", "--redis-url", url)
    assert result.exit_code == 1
    assert "revoked" in result.output


def test_rotate_bootstraps_a_key_ring(tmp_path: Path, redis_server: Server) -> None:
    folder = tmp_path / "ring"
    folder.mkdir(mode=0o700)
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    result = _run("rotate", "--redis-url", url, "--keys", str(folder), "--algorithm", "EdDSA")
    assert result.exit_code == 0, result.output
    assert " EdDSA active " in result.output


def test_unreachable_redis_is_an_error_not_a_pass(keys: Path) -> None:
    from testsupport.processes import free_port

    result = _run(
        "revoke",
        "--jti",
        "j1",
        "--expires-at",
        "2000000000",
        "--redis-url",
        f"redis://127.0.0.1:{free_port()}/0",
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_without_the_runtime_extra_token_says_how_to_install_it(keys: Path) -> None:
    code = "import sys; sys.modules['jwt'] = None; " + CLI.split("; ", 1)[1]
    result = subprocess.run(
        [sys.executable, "-c", code, "token", "issue", "--key", str(keys / "private.pem"), "--kid", "k1",
         "--sub", "a", "--aud", "b"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == f"Error: {MISSING_EXTRA}"


def test_loading_the_token_command_does_not_import_the_runtime() -> None:
    code = "import sys, sentinel.cli.token; print(any(m.startswith('sentinel.runtime') for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"


def test_rotate_retire_removes_a_key_from_the_ring(tmp_path: Path, redis_server: Server) -> None:
    folder = tmp_path / "ring"
    folder.mkdir(mode=0o700)
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    created = _run("rotate", "--redis-url", url, "--keys", str(folder))
    kid = created.output.split()[1]
    retired = _run("rotate", "--redis-url", url, "--keys", str(folder), "--retire", kid)
    assert retired.exit_code == 0, retired.output
    assert retired.output.strip() == f"retired {kid}"


def test_retiring_an_unknown_key_is_a_usage_error(tmp_path: Path, redis_server: Server) -> None:
    folder = tmp_path / "ring"
    folder.mkdir(mode=0o700)
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    assert _run("rotate", "--redis-url", url, "--keys", str(folder), "--retire", "k-nope").exit_code == 2
