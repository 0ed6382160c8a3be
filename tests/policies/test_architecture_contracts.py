"""Architecture rules over documents the real imports extractor writes: import contracts as
import-linter defines them (external targets, indirect by default, names that must exist,
protected, exhaustive layers), Rust crate-local paths, HTTP clients and blocking calls."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from sentinel.cli import main

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policy-as-code" / "policies"
CARGO = '[package]\nname = "shop"\nversion = "0.1.0"\n'


def run(root: Path, files: dict[str, str], architecture: dict[str, Any]) -> list[dict[str, Any]]:
    """The architecture failures for a repository of ``files`` with these parameters."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    config = root / "conftest.yml"  # JSON is YAML: the parameters pass the configuration schema
    config.write_text(json.dumps({"params": {"architecture": architecture}}), encoding="utf-8")
    out = root / "inputs"
    runner = CliRunner()
    extracted = runner.invoke(main, ["extract", "--kinds", "imports", "--root", str(root), "--out", str(out),
                                     "-c", str(config)], catch_exceptions=False)
    assert extracted.exit_code == 0, extracted.output
    result = runner.invoke(main, ["test", str(out / "imports.json"), "-p", str(POLICIES), "-c", str(config),
                                  "-n", "sentinel.architecture.*", "-o", "json", "--no-color"],
                           catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    failures = [f for entry in json.loads(result.output) for f in entry.get("failures", [])]
    assert (result.exit_code == 1) == bool(failures)
    return failures


def located(failures: list[dict[str, Any]], rule: str) -> list[tuple[str, int]]:
    return sorted((f["loc"]["file"], f["loc"]["line"]) for f in failures
                  if f["metadata"]["rule"] == rule and "loc" in f)


def rules(failures: list[dict[str, Any]]) -> set[str]:
    return {f["metadata"]["rule"] for f in failures}


DOMAIN = {
    "app/__init__.py": "",
    "app/domain/__init__.py": "",
    "app/domain/repo.py": "import redis\n",
    "app/domain/cache.py": "from redis.asyncio import Redis\n",
    "app/domain/orders.py": "from app.infra import store\n",
    "app/infra/__init__.py": "",
    "app/infra/store.py": "import json\nimport redis\n",
}

NO_REDIS = {"name": "domain is pure", "source_modules": ["app.domain"], "forbidden_modules": ["redis"]}


def test_forbidding_a_third_party_package_fires_on_both_import_forms_and_through_a_chain(
    tmp_path: Path,
) -> None:
    failures = run(tmp_path, DOMAIN, {"forbidden": [NO_REDIS]})
    assert located(failures, "architecture.forbidden_import") == [
        ("app/domain/cache.py", 1), ("app/domain/repo.py", 1), ("app/infra/store.py", 2)]


def test_allow_indirect_imports_checks_direct_imports_only(tmp_path: Path) -> None:
    failures = run(tmp_path, DOMAIN, {"forbidden": [{**NO_REDIS, "allow_indirect_imports": True}]})
    assert located(failures, "architecture.forbidden_import") == [
        ("app/domain/cache.py", 1),
        ("app/domain/repo.py", 1),
    ]


def test_a_contract_naming_a_missing_module_fails_closed(tmp_path: Path) -> None:
    failures = run(tmp_path, DOMAIN, {"forbidden": [{**NO_REDIS, "source_modules": ["app.domian"]}]})
    [missing] = [f for f in failures if f["metadata"]["rule"] == "architecture.contract_module_missing"]
    assert "\"domain is pure\" names module app.domian in source_modules" in missing["msg"]
    assert "architecture.forbidden_import" not in rules(failures)


def test_protected_modules_may_be_imported_by_allowed_importers_only(tmp_path: Path) -> None:
    contract = {
        "name": "store behind domain",
        "protected_modules": ["app.infra"],
        "allowed_importers": ["app.web"],
    }
    failures = run(tmp_path, DOMAIN, {"protected": [contract]})
    assert located(failures, "architecture.protected") == [("app/domain/orders.py", 1)]


def test_exhaustive_layers_report_an_unlisted_child(tmp_path: Path) -> None:
    files = {**DOMAIN, "app/cli.py": "import app.domain.repo\n"}
    contract = {"name": "app", "containers": ["app"], "layers": ["infra", "domain"], "exhaustive": True}
    failures = run(tmp_path, files, {"layers": [contract]})
    layers = [f for f in failures if f["metadata"]["rule"] == "architecture.layers"]
    [unlisted] = [f for f in layers if "exhaustive" in f["msg"]]
    assert "app.cli in container app is in no layer" in unlisted["msg"]
    assert located(failures, "architecture.layers") == [("app/domain/orders.py", 1)]


def test_rust_contracts_see_crates_and_crate_local_paths(tmp_path: Path) -> None:
    files = {
        "Cargo.toml": CARGO,
        "src/main.rs": "mod db;\nmod handlers;\nuse handlers::health;\n",
        "src/handlers/mod.rs": "pub mod health;\n",
        "src/handlers/health.rs": "pub fn check() {}\n",
        "src/db.rs": "use sqlx::PgPool;\nuse handlers::health::check;\n",
    }
    contracts = {"forbidden": [
        {"name": "no sqlx outside db", "source_modules": ["shop::handlers"],
         "forbidden_modules": ["sqlx"]},
        {"name": "db below handlers", "source_modules": ["shop::db"],
         "forbidden_modules": ["shop::handlers"]},
    ]}
    failures = run(tmp_path, files, contracts)
    assert located(failures, "architecture.forbidden_import") == [("src/db.rs", 2)]
    assert "architecture.contract_module_missing" not in rules(failures)


def test_http_findings_are_one_per_client_call_and_never_the_server(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/server.py": """
            import aiohttp
            from aiohttp import web

            def build():
                app = web.Application()
                runner = web.AppRunner(app)
                return web.TCPSite(runner), web.json_response({})

            async def call(url):
                async with aiohttp.ClientSession() as session:
                    return await session.get(url)
            """,
        "app/sync.py": "import requests\n\ndef f(url):\n    return requests.get(url).json()\n",
    }
    failures = run(tmp_path, files, {})
    assert located(failures, "architecture.no_direct_http") == [("app/server.py", 10), ("app/sync.py", 4)]


def test_blocking_in_async_reports_calls_that_block_only(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/fetch.py": """
            import asyncio
            import time
            import urllib.request

            import requests

            async def fetch(url):
                req = urllib.request.Request(url)
                await asyncio.to_thread(urllib.request.urlopen, req)
                await asyncio.get_running_loop().run_in_executor(None, lambda: time.sleep(1))
                data = requests.get(url).json()
                return urllib.request.urlopen(req), data
            """,
    }
    failures = run(tmp_path, files, {"http": {"allowed_modules": ["app"]}})
    assert located(failures, "architecture.blocking_in_async") == [("app/fetch.py", 11), ("app/fetch.py", 12)]
    assert "architecture.no_direct_http" not in rules(failures)
