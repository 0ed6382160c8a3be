"""sentinel.rule_metadata: results take their title, description, fix, severity, category and link
from the # METADATA block of the Rego rule that produced them (real Rego, the real engine)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sentinel import rule_metadata
from sentinel.cli import main
from sentinel.errors import PolicyError
from sentinel.runner import evaluate
from sentinel.runner.results import CheckResult, Result

POLICY = """package acme.shop

# METADATA
# title: Prices are positive
# description: >-
#   A price of zero or less sells
#   for nothing.
# related_resources:
#   - ref: https://example.com/pricing
#     description: Pricing guide
# custom:
#   id: shop.prices
#   severity: high
#   fix: Set a positive price.
deny_prices contains {"msg": "price is negative", "rule": "shop.prices", "fix": "stale copy of the fix"} if {
	input.price < 0
}

# METADATA
# title: Prices are positive
# description: A free item is only a warning.
# custom:
#   id: shop.prices
#   severity: low
#   fix: Set a positive price.
warn_prices contains {"msg": "price is zero", "rule": "shop.prices", "severity": "medium"} if input.price == 0

# METADATA
# title: Currency is set
# related_resources:
#   - docs/currency.md
# custom:
#   id: shop.currency
#   fix: [set it, in the order]
deny_currency contains {"msg": "no currency", "rule": "shop.currency"} if not input.currency

deny_unannotated contains "price is not a number" if not is_number(input.price)
"""


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "shop.rego").write_text(POLICY, encoding="utf-8")
    return folder


def run(policy: Path, document: dict[str, Any]) -> list[CheckResult]:
    options = evaluate.TestOptions(policy=(str(policy),), namespace=("acme.shop",))
    inputs = [evaluate.Input(name="order.json", document=document)]
    results = evaluate.run_tests([], options, documents=inputs)
    return rule_metadata.enrich(results, rule_metadata.load([str(policy)]))


def by_query(results: list[CheckResult]) -> dict[str, Result]:
    found = [r for c in results for r in [*c.failures, *c.warnings]]
    return {str(r.metadata["query"]).rsplit(".", 1)[1]: r for r in found}


def test_results_take_title_description_fix_severity_category_and_link_from_the_annotation(
        policy: Path) -> None:
    found = by_query(run(policy, {"price": -1, "currency": "EUR"}))
    assert found["deny_prices"].metadata == {
        "rule": "shop.prices",
        "query": "data.acme.shop.deny_prices",
        "title": "Prices are positive",
        "description": "A price of zero or less sells for nothing.",
        "fix": "Set a positive price.",
        "severity": "high",
        "category": "shop",
        "help_uri": "https://example.com/pricing",
    }


def test_the_annotation_replaces_text_the_rule_returns(policy: Path) -> None:
    found = by_query(run(policy, {"price": -1, "currency": "EUR"}))
    assert found["deny_prices"].metadata["fix"] == "Set a positive price."
    assert found["deny_prices"].msg == "price is negative"


def test_a_severity_the_rule_computes_wins_and_each_head_has_its_own_annotation(policy: Path) -> None:
    found = by_query(run(policy, {"price": 0, "currency": "EUR"}))
    warning = found["warn_prices"].metadata
    assert warning["severity"] == "medium"
    assert warning["description"] == "A free item is only a warning."


def test_results_of_an_unannotated_rule_are_left_as_they_are(policy: Path) -> None:
    found = by_query(run(policy, {"price": "free", "currency": "EUR"}))
    assert found["deny_unannotated"].metadata == {"query": "data.acme.shop.deny_unannotated"}


def test_annotation_values_that_are_not_text_or_links_are_not_shown(policy: Path) -> None:
    found = by_query(run(policy, {"price": 1}))
    meta = found["deny_currency"].metadata
    assert meta["title"] == "Currency is set"
    assert "fix" not in meta and "help_uri" not in meta and "severity" not in meta


def test_a_malformed_annotation_is_an_error_naming_file_and_line(policy: Path) -> None:
    (policy / "broken.rego").write_text("package b\n\n# METADATA\n# title: [x\np := 1\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"broken\.rego:4"):
        rule_metadata.load([str(policy)])


def git(root: Path, *args: str) -> None:
    command = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args]
    subprocess.run(command, cwd=root, check=True, capture_output=True)


FILES_POLICY = """package acme.files

# METADATA
# title: No settings files
# custom:
#   id: acme.settings
#   severity: critical
#   fix: Move the settings to the environment.
deny_settings contains {"msg": "settings file in the tree", "rule": "acme.settings", "_loc": loc} if {
	input.kind == "files"
	some f in input.files
	f.path == "settings.ini"
	loc := {"file": f.path, "line": 1}
}
"""


def test_sentinel_check_results_carry_the_annotation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / "policy").mkdir(parents=True)
    (repo / "policy" / "files.rego").write_text(FILES_POLICY, encoding="utf-8")
    (repo / "settings.ini").write_text("[db]\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    monkeypatch.chdir(repo)
    args = ["check", "--no-library", "-p", "policy", "--kinds", "files", "-o", "json", "--no-color"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    failures = [f for entry in json.loads(result.output) for f in entry.get("failures", [])]
    assert [f["metadata"] for f in failures] == [{
        "rule": "acme.settings",
        "query": "data.acme.files.deny_settings",
        "title": "No settings files",
        "fix": "Move the settings to the environment.",
        "severity": "critical",
        "category": "acme",
    }]
