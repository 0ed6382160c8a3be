"""``sentinel policies list``: every rule with its state (active, inert and what it needs, off)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main


def states(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str | None = None
) -> dict[str, dict[str, str]]:
    monkeypatch.chdir(tmp_path)
    if config is not None:
        (tmp_path / "conftest.yml").write_text(config, encoding="utf-8")
    result = CliRunner().invoke(main, ["policies", "list", "-o", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {row["rule"]: row for row in json.loads(result.output)}


def test_rules_whose_parameters_are_empty_are_inert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = states(tmp_path, monkeypatch)
    assert rows["architecture.layers"]["state"] == "inert"
    assert rows["architecture.layers"]["detail"] == "needs data.sentinel.params.architecture.layers"
    assert rows["testing.logic_without_tests"]["state"] == "inert"
    assert rows["architecture.forbidden_import"]["state"] == "inert"
    assert rows["protocol.breaking_change"]["state"] == "active"
    # Safety code is found by its names (auth, policy, access...) until safety_paths narrows it.
    assert rows["security.fail_open"]["state"] == "active"


def test_configured_parameters_make_a_rule_active(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = "params:\n  core:\n    paths: ['app/**']\n  security:\n    safety_paths: ['app/auth/**']\n"
    rows = states(tmp_path, monkeypatch, config)
    assert rows["testing.logic_without_tests"]["state"] == "active"
    assert rows["technical_debt.untracked_core_debt"]["state"] == "active"
    assert rows["security.fail_open"]["state"] == "active"


def test_disabled_rules_are_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = states(tmp_path, monkeypatch, "disable: [protocol.breaking_change]\n")
    assert rows["protocol.breaking_change"]["state"] == "off"


def test_the_table_counts_the_states(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["policies", "list"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "inert (needs data.sentinel.params.core.paths)" in result.output
    assert result.output.rstrip().splitlines()[-1].endswith("0 off")
