"""observability.handler_without_metric over real repositories: the handlers of services count, the
apps that tests, benchmarks, examples and docs build do not (`sentinel check`, the shipped library)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from testsupport.files import write

RULE = "observability.handler_without_metric"
HANDLER = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/orders")
def list_orders():
    return []
"""
NOT_SERVICES = (
    "tests/test_routing.py",  # the app a test builds (Starlette's tests hold 145 of these)
    "tests/conftest.py",
    "shop/tests/apps.py",  # a package's own tests folder
    "shop/api/test_orders.py",
    "benchmarks/app.py",
    "examples/hello/main.py",
    "docs/src/tutorial.py",
)


def repo(root: Path, files: dict[str, str], config: str = "") -> Path:
    for rel, content in files.items():
        write(root, rel, content)
    write(root, "conftest.yml", "extract:\n  kinds: [observability]\n" + config)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                       cwd=root, check=True, capture_output=True)
    return root


def denied(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, set[str]]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "-o", "json", "--no-color"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    files = {f["loc"]["file"] for r in json.loads(result.output) for f in r.get("failures") or []
             if f["metadata"]["rule"] == RULE}
    return result.exit_code, files


def test_only_service_handlers_need_a_metric(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path, {"shop/__init__.py": "", "shop/app.py": HANDLER,
                           **{rel: HANDLER for rel in NOT_SERVICES}})
    assert denied(root, monkeypatch) == (1, {"shop/app.py"})


def test_exempt_paths_in_the_configuration_replace_the_default_folders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A team whose service lives under examples/ says so; test files stay out whatever it says."""
    root = repo(tmp_path, {"examples/shop/app.py": HANDLER, "tests/test_app.py": HANDLER,
                           "benchmarks/app.py": HANDLER},
                config="params:\n  observability:\n    exempt_paths: [\"benchmarks/**\"]\n")
    assert denied(root, monkeypatch) == (1, {"examples/shop/app.py"})
