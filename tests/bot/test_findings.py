"""Results (conftest JSON) -> findings: blocking, severity, category, location, order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentinel.bot.findings import collect, load_results, parse_results, summarize
from sentinel.errors import SentinelError
from sentinel.runner.results import CheckResult
from tests.bot.conftest import results_document


def _results(raw: list[dict[str, Any]]) -> list[CheckResult]:
    return [CheckResult.from_json(r) for r in raw]


def test_failures_block_and_warnings_do_not() -> None:
    found = collect(
        _results(
            [{"filename": "a", "namespace": "main", "failures": [{"msg": "f"}], "warnings": [{"msg": "w"}]}]
        )
    )
    assert [(f.message, f.blocking) for f in found] == [("f", True), ("w", False)]


def test_severity_and_category_come_from_metadata() -> None:
    raw = {
        "msg": "m",
        "metadata": {"rule": "proto.FIELD_NO_DELETE", "category": "Protocol", "severity": "HIGH"},
    }
    (finding,) = collect(_results([{"filename": "a", "namespace": "main", "failures": [raw]}]))
    assert (finding.rule, finding.category, finding.severity) == ("proto.FIELD_NO_DELETE", "protocol", "high")


def test_missing_metadata_defaults_to_the_rule_prefix_and_error_or_warning() -> None:
    raw = [
        {
            "filename": "a",
            "namespace": "main",
            "failures": [{"msg": "m", "metadata": {"rule": "secrets.aws"}}],
            "warnings": [{"msg": "w", "metadata": {"query": "data.main.warn"}}],
        }
    ]
    blocking, warning = collect(_results(raw))
    assert (blocking.category, blocking.severity) == ("secrets", "error")
    assert (warning.rule, warning.severity) == ("data.main.warn", "warning")


def test_location_falls_back_to_metadata_loc_and_strips_dot_slash() -> None:
    raw = {"msg": "m", "metadata": {"_loc": {"file": "./src/a.py", "line": "12"}}}
    (finding,) = collect(_results([{"filename": "a", "namespace": "main", "failures": [raw]}]))
    assert (finding.file, finding.line) == ("src/a.py", 12)


def test_findings_sort_blocking_first_then_by_severity() -> None:
    raw = [
        {
            "filename": "a",
            "namespace": "main",
            "warnings": [{"msg": "w", "metadata": {"severity": "critical"}}],
            "failures": [
                {"msg": "low", "metadata": {"severity": "low"}},
                {"msg": "crit", "metadata": {"severity": "critical"}},
            ],
        }
    ]
    assert [f.message for f in collect(_results(raw))] == ["crit", "low", "w"]


def test_the_same_finding_from_two_results_is_reported_once() -> None:
    item = {"msg": "m", "loc": {"file": "a.py", "line": 1}, "metadata": {"rule": "r"}}
    raw = [
        {"filename": "x", "namespace": "main", "failures": [item]},
        {"filename": "y", "namespace": "main", "failures": [item]},
    ]
    assert len(collect(_results(raw))) == 1


def test_summary_counts_by_category_and_severity() -> None:
    raw = [
        {
            "filename": "a",
            "namespace": "main",
            "failures": [
                {"msg": "1", "metadata": {"category": "arch"}},
                {"msg": "2", "metadata": {"category": "arch"}},
            ],
            "warnings": [{"msg": "3", "metadata": {"category": "arch", "severity": "error"}}],
        }
    ]
    (row,) = summarize(collect(_results(raw)))
    assert (row.category, row.severity, row.blocking, row.warnings) == ("arch", "error", 2, 1)


def test_results_that_are_not_a_list_are_an_error() -> None:
    with pytest.raises(SentinelError, match="must be a JSON list"):
        parse_results({"filename": "a"}, "r.json")


def test_a_result_with_a_non_object_failure_is_an_error() -> None:
    raw = [{"filename": "a", "namespace": "main", "failures": ["text"]}]
    with pytest.raises(SentinelError, match=r"results\[0\]\.failures must be a list of objects"):
        parse_results(raw, "r.json")


def test_conftest_output_loads_inside_a_run_record(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    raw = json.loads(
        '[{"filename": "deploy.yaml", "namespace": "main", "successes": 2, '
        '"failures": [{"msg": "Containers must not run as root", "metadata": {"query": "data.main.deny"}}]}]'
    )
    path.write_text(json.dumps(results_document(tmp_path, raw)))
    (finding,) = collect(load_results(path))
    assert (finding.rule, finding.message, finding.blocking) == (
        "data.main.deny",
        "Containers must not run as root",
        True,
    )
