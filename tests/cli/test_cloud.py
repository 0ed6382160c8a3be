"""``sentinel cloud status`` against the governance stand-in: every line, the exit codes, bad settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from testsupport.governance_server import ControlServer, Fault, GovernanceAPI, governance
from testsupport.processes import free_port

CLI = 'import sys; from sentinel.cli import main; sys.argv[0] = "sentinel"; main()'

Stand = tuple[ControlServer, GovernanceAPI]


@pytest.fixture
def stand_in() -> Iterator[Stand]:
    with governance() as both:
        yield both


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def cloud_env(control: ControlServer, api: GovernanceAPI, **extra: str) -> dict[str, str]:
    return {
        "SENTINEL_EDITION": "enterprise",
        "SENTINEL_CLOUD_ENDPOINT": control.url,
        "SENTINEL_CLOUD_API_URL": api.url,
        "SENTINEL_CLOUD_ORG_ID": control.org,
        "SENTINEL_CLOUD_AGENT_ID": "agent-7",
        "SENTINEL_CLOUD_TOKEN": control.token,
        **extra,
    }


def test_status_is_disabled_by_default(tmp_path: Path) -> None:
    done = run("cloud", "status", env={}, cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "Cloud governance: disabled\n", "")


def test_status_shows_every_line_when_connected(stand_in: Stand, tmp_path: Path) -> None:
    control, api = stand_in
    api.policies["payments"] = [{"policy_id": "payments", "revision": "1", "content": "", "content_hash": ""}]
    done = run("cloud", "status", env=cloud_env(control, api), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = dict(line.split(":", 1) for line in done.stdout.splitlines()[1:])
    shown = {name: value.strip() for name, value in lines.items()}
    assert done.stdout.startswith("Cloud governance: enabled\n")
    assert shown["state"] == "CONNECTED"
    assert shown["endpoint"] == control.url
    assert shown["last heartbeat sent"].endswith("Z") and shown["last ack"].endswith("Z")
    assert shown["API health"] == "ok"
    assert shown["auth"].startswith("valid (org acme")
    assert shown["policy sync"] == "1 policies in the registry"
    assert shown["audit buffer"].startswith("not configured")
    assert control.heartbeats()[0]["agent_id"] == "agent-7"
    assert control.token not in done.stdout + done.stderr


def test_status_json_reports_the_audit_buffer_depth(stand_in: Stand, tmp_path: Path) -> None:
    from sentinel.runtime.cloud.buffer import AuditBuffer

    control, api = stand_in
    buffer = AuditBuffer(tmp_path / "audit.db", 10)
    buffer.put({"event_id": "e1"})
    buffer.put({"event_id": "e2"})
    buffer.close()
    env = cloud_env(
        control,
        api,
        SENTINEL_CLOUD_AUDIT_BUFFER=str(tmp_path / "audit.db"),
        SENTINEL_CLOUD_AUDIT_BUFFER_CAP="10",
    )
    done = run("cloud", "status", "--format", "json", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["enabled"] is True and shown["state"] == "CONNECTED"
    assert shown["audit_buffer"].startswith("2 of 10 events buffered, 0 dropped ever")


def test_status_exits_1_when_the_endpoint_is_unreachable(stand_in: Stand, tmp_path: Path) -> None:
    control, api = stand_in
    env = cloud_env(control, api, SENTINEL_CLOUD_ENDPOINT=f"ws://127.0.0.1:{free_port()}/v1/agents/connect")
    done = run("cloud", "status", "--timeout", "3", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert "state:               DISCONNECTED (ConnectionRefusedError)" in done.stdout
    assert "last ack:            never" in done.stdout


def test_status_exits_1_when_the_token_is_refused(stand_in: Stand, tmp_path: Path) -> None:
    control, api = stand_in
    done = run(
        "cloud", "status", env=cloud_env(control, api, SENTINEL_CLOUD_TOKEN="wrong-token"), cwd=tmp_path
    )
    assert done.returncode == 1
    assert "DISCONNECTED (handshake refused: HTTP 401)" in done.stdout
    assert "auth:                refused (HTTP 401)" in done.stdout
    assert "wrong-token" not in done.stdout + done.stderr


def test_status_exits_1_when_the_server_stops_acking(stand_in: Stand, tmp_path: Path) -> None:
    control, api = stand_in
    control.ack = False
    done = run("cloud", "status", "--timeout", "1", env=cloud_env(control, api), cwd=tmp_path)
    assert done.returncode == 1
    assert "DISCONNECTED (no heartbeat ack within 1 s)" in done.stdout


def test_status_reports_a_failing_api(stand_in: Stand, tmp_path: Path) -> None:
    control, api = stand_in
    api.faults.append(Fault(status=503, path="/health"))
    done = run("cloud", "status", env=cloud_env(control, api), cwd=tmp_path)
    assert done.returncode == 1
    assert "API health:          failing: scripted 503" in done.stdout


def test_status_with_missing_settings_is_a_usage_error(tmp_path: Path) -> None:
    done = run("cloud", "status", env={"SENTINEL_FEATURE_CLOUD_SYNC": "on"}, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: SENTINEL_CLOUD_ENDPOINT") and done.stderr.count("\n") == 1


def test_status_refuses_plain_ws_to_a_remote_host(tmp_path: Path) -> None:
    env = {
        "SENTINEL_EDITION": "enterprise",
        "SENTINEL_CLOUD_ENDPOINT": "ws://governance.example.com/x",
        "SENTINEL_CLOUD_API_URL": "https://governance.example.com",
        "SENTINEL_CLOUD_ORG_ID": "acme",
        "SENTINEL_CLOUD_TOKEN": "t0ken",
    }
    done = run("cloud", "status", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert "unencrypted" in done.stderr and "t0ken" not in done.stderr


def test_status_reports_an_unreadable_audit_buffer_without_a_traceback(
    stand_in: Stand, tmp_path: Path
) -> None:
    control, api = stand_in
    broken = tmp_path / "audit.db"
    broken.write_bytes(b"this is not a database" * 100)
    done = run(
        "cloud", "status", env=cloud_env(control, api, SENTINEL_CLOUD_AUDIT_BUFFER=str(broken)), cwd=tmp_path
    )
    assert "audit buffer:        unreadable: DatabaseError" in done.stdout
    assert "Traceback" not in done.stderr
