"""Off by default: with cloud_sync off no socket is opened and no network library is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from testsupport.governance_server import ControlServer, GovernanceAPI

Stand = tuple[ControlServer, GovernanceAPI]

# Runs `sentinel cloud status` under an audit hook that records every socket connect and name lookup,
# then reports which optional network modules were imported.
PROBE = """
import json, sys
seen = []
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
        seen.append(event)
sys.addaudithook(hook)
from sentinel.cli import main
try:
    main(["cloud", "status"], prog_name="sentinel")
except SystemExit as done:
    code = done.code
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("websockets", "httpx", "httpcore")
                or m.startswith("sentinel.runtime.cloud"))
print(json.dumps({"code": code, "connects": seen, "modules": loaded}), file=sys.stderr)
"""


def run_probe(env: dict[str, str], cwd: Path) -> tuple[str, dict[str, object]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def test_by_default_status_says_disabled_exits_0_and_touches_no_network(tmp_path: Path) -> None:
    stdout, report = run_probe({}, tmp_path)
    assert stdout == "Cloud governance: disabled\n"
    assert report == {"code": 0, "connects": [], "modules": []}


def test_an_endpoint_without_the_feature_is_not_contacted(stand_in: Stand, tmp_path: Path) -> None:
    control, api = stand_in
    env = {
        "SENTINEL_EDITION": "pro",
        "SENTINEL_CLOUD_ENDPOINT": control.url,
        "SENTINEL_CLOUD_API_URL": api.url,
        "SENTINEL_CLOUD_ORG_ID": control.org,
        "SENTINEL_CLOUD_TOKEN": control.token,
    }
    stdout, report = run_probe(env, tmp_path)
    assert stdout == "Cloud governance: disabled\n"
    assert report == {"code": 0, "connects": [], "modules": []}
    assert control.handshakes == [] and api.requests == []


def test_the_enterprise_edition_with_the_flag_turned_off_stays_disabled(tmp_path: Path) -> None:
    stdout, report = run_probe(
        {"SENTINEL_EDITION": "enterprise", "SENTINEL_FEATURE_CLOUD_SYNC": "off"}, tmp_path
    )
    assert stdout == "Cloud governance: disabled\n"
    assert report["connects"] == [] and report["modules"] == []


CLOUD_MODULES = [
    "sentinel.runtime.cloud.channel",
    "sentinel.runtime.cloud.probe",
    "sentinel.runtime.cloud.stream",
    "sentinel.runtime.cloud.metrics",
    "sentinel.runtime.cloud.clients.registry",
    "sentinel.runtime.cloud.clients.auth",
]


def test_importing_the_cloud_modules_does_not_import_websockets_or_httpx() -> None:
    code = (
        f"import sys, {', '.join(CLOUD_MODULES)}\n"
        "optional = ('websockets', 'httpx', 'prometheus_client')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in optional))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


def test_import_sentinel_does_not_import_the_cloud_package() -> None:
    code = (
        "import sys, sentinel, sentinel.cli\n"
        "print([m for m in sys.modules if m.startswith('sentinel.runtime')])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
