"""``sentinel edition`` and ``sentinel features`` print what the environment turns on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CLI = 'import sys; from sentinel.cli import main; sys.argv[0] = "sentinel"; main()'


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
    return subprocess.run([sys.executable, "-c", CLI, *args], cwd=cwd, env={**base, **env},
                          capture_output=True, text=True, timeout=60, check=False)


def test_edition_defaults_to_community(tmp_path: Path) -> None:
    done = run("edition", env={}, cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "community\n", "")


def test_an_invalid_edition_warns_on_stderr_and_still_exits_0(tmp_path: Path) -> None:
    done = run("edition", env={"SENTINEL_EDITION": "gold"}, cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == "community\n"
    assert "gold" in done.stderr


def test_features_shows_each_flag_and_its_source(tmp_path: Path) -> None:
    done = run("features", "--format", "json",
               env={"SENTINEL_EDITION": "pro", "SENTINEL_FEATURE_RISK_CLASSIFICATION": "off"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["edition"] == "pro"
    assert shown["features"]["risk_classification"] == {"enabled": False,
                                                        "source": "SENTINEL_FEATURE_RISK_CLASSIFICATION"}
    assert shown["features"]["policy_pinning"] == {"enabled": True, "source": "edition"}
    assert shown["features"]["cloud_sync"]["enabled"] is False


def test_features_text_lists_every_flag(tmp_path: Path) -> None:
    done = run("features", env={}, cwd=tmp_path)
    assert done.returncode == 0
    names = [line.split()[0] for line in done.stdout.splitlines()[1:]]
    assert names == sorted(["decision_trace_v2", "risk_classification", "policy_pinning", "audit_hash_chain",
                            "cloud_sync", "dashboard_api"])
