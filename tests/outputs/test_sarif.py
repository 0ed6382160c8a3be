"""SARIF 2.1.0 for GitHub code scanning, checked against the OASIS schema and GitHub's required fields."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sarif_kit.validate import validation_errors

from sentinel import __version__
from sentinel.fingerprint import result_fingerprints
from sentinel.outputs.base import OutputOptions
from sentinel.outputs.sarif import MAX_RESULTS, SarifOutputter
from sentinel.runner.evaluate import Input, run_tests
from sentinel.runner.evaluate import TestOptions as RunOptions
from sentinel.runner.results import CheckResult, Location, Result
from tests.conftest import GitRepo

IMPORTS = ".sentinel/inputs/imports.json"


@pytest.fixture(autouse=True)
def in_empty_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The outputter reads the tree it runs in (source lines, configuration): an empty one here."""
    monkeypatch.chdir(tmp_path)


def finding(msg: str = "app.a imports app.b", line: int | str = 12, file: str = "src/app/a.py",
            rule: str | None = "architecture.layering.forbidden_import") -> Result:
    meta: dict[str, Any] = {"query": "data.architecture.deny"}
    if rule:
        meta.update(rule=rule, category="architecture", severity="high", fix="Move the import behind a port.")
    return Result(msg, loc=Location(file, line), metadata=meta)


def log(results: list[CheckResult], options: OutputOptions | None = None, root: Path | None = None,
        max_results: int = MAX_RESULTS) -> dict[str, Any]:
    """The SARIF log, checked against the SARIF 2.1.0 schema every time."""
    text = SarifOutputter(root=root, max_results=max_results).render(results, options or OutputOptions())
    parsed: dict[str, Any] = json.loads(text)
    assert validation_errors(parsed) == []
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


def test_levels_are_error_for_failures_and_warning_for_warnings() -> None:
    assert [r["level"] for r in log(sample())["runs"][0]["results"][:2]] == ["error", "warning"]


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
    item = Result("no limits", metadata={"query": "data.main.deny"})
    result = CheckResult("deploy/app.yaml", "main", failures=[item])
    physical = log([result])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "deploy/app.yaml"
    assert physical["region"]["startLine"] == 1


def test_uri_is_relative_posix() -> None:
    absolute = os.path.join(os.getcwd(), "src", "app", "b.py")
    results = [CheckResult(IMPORTS, "a", failures=[finding(file="./src\\app\\a.py"), finding(file=absolute)])]
    run = log(results)["runs"][0]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]
    assert uris == ["src/app/a.py", "src/app/b.py"]


def test_loc_with_a_line_and_no_file_points_into_the_input_file() -> None:
    item = Result("replicas too low", loc=Location("", 7), metadata={"query": "data.main.deny"})
    (result,) = log([CheckResult("deploy/app.yaml", "main", failures=[item])])["runs"][0]["results"]
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "deploy/app.yaml"
    assert location["physicalLocation"]["region"]["startLine"] == 7


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


# ---- Fingerprints from real Rego over a real tree -------------------------------------------

IMPORT_POLICY = """package main

deny contains {"msg": msg, "_loc": {"file": imp.file, "line": imp.line}, "rule": "arch.forbidden"} if {
	some imp in input.imports
	msg := sprintf("%s imports %s (line %d)", [imp.file, imp.target, imp.line])
}
"""
REPO_POLICY = """package main

deny contains {"msg": msg, "rule": "arch.missing", "module": "app.contracts"} if {
	input.kind == "imports"
	msg := "module app.contracts is missing"
}
"""


def evaluate(policy: str, document: dict[str, Any], folder: Path) -> list[CheckResult]:
    """Real Rego: ``policy`` evaluated over ``document`` as input file ``IMPORTS``."""
    (folder / "policy.rego").write_text(policy, encoding="utf-8")
    options = RunOptions(policy=(str(folder / "policy.rego"),))
    return run_tests([], options, documents=[Input(name=IMPORTS, document=document)])


def sarif_prints(results: list[CheckResult], root: Path) -> list[str]:
    return [r["partialFingerprints"]["sentinel/v1"] for r in log(results, root=root)["runs"][0]["results"]]


def imports_at(line: int) -> dict[str, Any]:
    return {"kind": "imports", "imports": [{"file": "src/app.py", "line": line, "target": "requests"}]}


def test_fingerprint_survives_a_line_inserted_above(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.write("src/app.py", "import os\nimport requests\n")
    git_repo.commit()
    before = sarif_prints(evaluate(IMPORT_POLICY, imports_at(2), tmp_path), git_repo.root)
    git_repo.write("src/app.py", "\"\"\"Docstring.\"\"\"\nimport os\nimport requests\n")
    git_repo.commit()
    after = sarif_prints(evaluate(IMPORT_POLICY, imports_at(3), tmp_path), git_repo.root)
    assert before == after


def test_fingerprint_survives_the_message_being_reworded(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.write("src/app.py", "import os\nimport requests\n")
    git_repo.commit()
    before = sarif_prints(evaluate(IMPORT_POLICY, imports_at(2), tmp_path), git_repo.root)
    reworded = IMPORT_POLICY.replace('"%s imports %s (line %d)"', '"Forbidden: %s must not use %s (%d)"')
    after = sarif_prints(evaluate(reworded, imports_at(2), tmp_path), git_repo.root)
    assert before == after


def test_fingerprint_changes_when_the_flagged_line_changes(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.write("src/app.py", "import os\nimport requests\n")
    before = sarif_prints(evaluate(IMPORT_POLICY, imports_at(2), tmp_path), git_repo.root)
    git_repo.write("src/app.py", "import os\nimport requests as r\n")
    assert sarif_prints(evaluate(IMPORT_POLICY, imports_at(2), tmp_path), git_repo.root) != before


def test_repository_level_fingerprint_keys_on_metadata_not_wording(git_repo: GitRepo, tmp_path: Path) -> None:
    document = {"kind": "imports"}
    before = sarif_prints(evaluate(REPO_POLICY, document, tmp_path), git_repo.root)
    reworded = REPO_POLICY.replace('"module app.contracts is missing"', '"Create app.contracts (contracts)"')
    assert sarif_prints(evaluate(reworded, document, tmp_path), git_repo.root) == before
    other = REPO_POLICY.replace('"module": "app.contracts"', '"module": "app.ports"')
    assert sarif_prints(evaluate(other, document, tmp_path), git_repo.root) != before


def test_fingerprint_is_the_one_the_baseline_records(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.write("src/app.py", "import os\nimport requests\n")
    results = evaluate(IMPORT_POLICY, imports_at(2), tmp_path)
    assert sarif_prints(results, git_repo.root) == result_fingerprints(results[0].failures, git_repo.root)


# ---- Rules ----------------------------------------------------------------------------------

def library_finding(severity: str = "high", category: str = "architecture", **extra: Any) -> Result:
    meta: dict[str, Any] = {
        "rule": "architecture.layers", "query": "data.sentinel.architecture.layers.deny_layers",
        "title": "Layers", "description": "Lower layers never import higher ones. Declared once.",
        "fix": "Invert the dependency.", "severity": severity, "category": category, **extra,
    }
    return Result("app.db imports app.api", loc=Location("src/app/db.py", 3), metadata=meta)


def only_rule(item: Result, options: OutputOptions | None = None) -> dict[str, Any]:
    run = log([CheckResult(IMPORTS, "x", failures=[item])], options)["runs"][0]
    rules: list[dict[str, Any]] = run["tool"]["driver"]["rules"]
    assert len(rules) == 1
    return rules[0]


def test_rule_texts_come_from_title_description_and_fix() -> None:
    rule = only_rule(library_finding())
    assert rule["shortDescription"]["text"] == "Layers"
    assert rule["fullDescription"]["text"] == "Lower layers never import higher ones. Declared once."
    assert rule["help"]["text"] == "Invert the dependency."
    assert rule["help"]["markdown"].startswith("**Fix:** Invert the dependency.")


def test_rule_without_title_is_named_after_its_description_or_id() -> None:
    described = Result("m", metadata={"rule": "team.x", "description": "No X here. Ever."})
    assert only_rule(described)["shortDescription"]["text"] == "No X here"
    bare = Result("m", metadata={"query": "data.main.deny"})
    assert only_rule(bare)["shortDescription"]["text"] == "Policy violation: data.main.deny"


def test_help_uri_from_metadata_when_absolute_http() -> None:
    rule = only_rule(library_finding(help_uri="https://example.invalid/rules#layers"))
    assert rule["helpUri"] == "https://example.invalid/rules#layers"
    assert "[Documentation](https://example.invalid/rules#layers)" in rule["help"]["markdown"]


@pytest.mark.parametrize("uri", ["javascript:alert(1)", "file:///etc/passwd", "//evil.invalid/x", "../../x"])
def test_help_uri_that_is_not_http_is_left_out(uri: str) -> None:
    options = OutputOptions(tool_uri="https://example.invalid/sentinel")
    assert "helpUri" not in only_rule(library_finding(help_uri=uri), options)


def test_relative_help_uri_resolves_against_the_tool_uri() -> None:
    options = OutputOptions(tool_uri="https://example.invalid/sentinel/blob/v1")
    rule = only_rule(library_finding(help_uri="docs/policies.md#x"), options)
    assert rule["helpUri"] == "https://example.invalid/sentinel/blob/v1/docs/policies.md#x"


def test_library_rule_without_help_uri_links_its_section_of_the_policies_page() -> None:
    options = OutputOptions(tool_uri="https://example.invalid/sentinel/blob/v1")
    rule = only_rule(library_finding(), options)
    assert rule["helpUri"] == "https://example.invalid/sentinel/blob/v1/docs/policies.md#architecturelayers---layers"
    assert "helpUri" not in only_rule(library_finding())


@pytest.mark.parametrize(("severity", "score"), [("critical", "9.0"), ("high", "7.0"), ("medium", "5.0"),
                                                 ("low", "3.0")])
def test_security_rules_carry_github_security_severity(severity: str, score: str) -> None:
    properties = only_rule(library_finding(severity=severity, category="security"))["properties"]
    assert properties["security-severity"] == score
    assert properties["tags"] == ["security"]


def test_other_rules_are_tagged_with_their_category_and_have_no_security_severity() -> None:
    properties = only_rule(library_finding(severity="critical"))["properties"]
    assert properties["tags"] == ["architecture"]
    assert "security-severity" not in properties


def test_rule_severity_is_the_most_severe_of_its_findings() -> None:
    warn = library_finding(severity="medium", category="security")
    deny = library_finding(severity="critical", category="security")
    run = log([CheckResult(IMPORTS, "x", failures=[deny], warnings=[warn])])["runs"][0]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["properties"]["security-severity"] == "9.0"
    assert rule["defaultConfiguration"]["level"] == "error"


# ---- Exceptions -----------------------------------------------------------------------------

def test_baselined_failure_is_a_suppressed_error_with_its_reason() -> None:
    item = library_finding(baselined=True, baseline_reason="existing when the baseline was created")
    (result,) = log([CheckResult(IMPORTS, "x", exceptions=[item])])["runs"][0]["results"]
    assert result["level"] == "error"
    assert result["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "existing when the baseline was created"}
    ]


def test_conftest_exception_from_real_rego_is_suppressed_under_its_rule(tmp_path: Path) -> None:
    policy = """package sentinel.testing.async_sleep

deny_async_sleep contains "sleeps" if input.kind == "tests"

exception contains ["async_sleep"] if input.kind == "tests"
"""
    (tmp_path / "p.rego").write_text(policy, encoding="utf-8")
    options = RunOptions(policy=(str(tmp_path / "p.rego"),), all_namespaces=True)
    results = run_tests([], options, documents=[Input(name=IMPORTS, document={"kind": "tests"})])
    (result,) = log(results)["runs"][0]["results"]
    assert result["ruleId"] == "testing.async_sleep"
    assert result["suppressions"][0]["kind"] == "external"
    assert result["suppressions"][0]["justification"]


def test_a_finding_keeps_its_fingerprint_when_it_is_baselined(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.write("src/app.py", "import os\nimport requests\n")
    (open_result,) = evaluate(IMPORT_POLICY, imports_at(2), tmp_path)
    (item,) = open_result.failures
    baselined = Result(item.msg, item.loc, {**item.metadata, "baselined": True, "baseline_reason": "old"})
    suppressed = CheckResult(IMPORTS, "main", exceptions=[baselined])
    assert sarif_prints([suppressed], git_repo.root) == sarif_prints([open_result], git_repo.root)


def test_unsuppressed_results_have_no_suppressions() -> None:
    assert all("suppressions" not in r for r in log(sample())["runs"][0]["results"][:2])


# ---- Locations ------------------------------------------------------------------------------

def uris(results: list[CheckResult]) -> list[str]:
    run = log(results)["runs"][0]
    return [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]


def test_no_location_is_inside_dot_sentinel() -> None:
    results = [*sample(), CheckResult(IMPORTS, "a", failures=[finding(file=".sentinel/inputs/x.json")])]
    assert not [u for u in uris(results) if ".sentinel" in u]


def test_repository_level_findings_point_at_the_configuration_file(tmp_path: Path) -> None:
    repo_level = CheckResult(IMPORTS, "a", failures=[Result("not configured", metadata={"rule": "a.b"})])
    assert uris([repo_level]) == ["conftest.yml"]
    (tmp_path / "conftest.toml").write_text("", encoding="utf-8")
    location = log([repo_level])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "conftest.toml", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 1}}


@pytest.mark.parametrize("file", ["../outside.py", "/etc/passwd", "C:/x.py", "-"])
def test_paths_outside_the_repository_point_at_the_configuration_file(file: str) -> None:
    assert uris([CheckResult(IMPORTS, "a", failures=[finding(file=file)])]) == ["conftest.yml"]


def test_uris_are_percent_encoded() -> None:
    odd = CheckResult(IMPORTS, "a", failures=[finding(file="src/my file#1.py")])
    assert uris([odd]) == ["src/my%20file%231.py"]


def test_every_result_has_a_physical_location_as_github_requires() -> None:
    results = [*sample(), CheckResult("-", "a", failures=[Result("from stdin")])]
    for result in log(results)["runs"][0]["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


# ---- Limits and notifications ---------------------------------------------------------------

def test_over_the_limit_the_most_severe_are_kept_and_the_rest_counted() -> None:
    results = [CheckResult(IMPORTS, "a",
                           failures=[library_finding(severity="low"), library_finding(severity="critical")],
                           warnings=[library_finding(severity="high")],
                           exceptions=[library_finding(severity="critical")])]
    run = log(results, max_results=2)["runs"][0]
    kept = [(r["level"], "suppressions" in r) for r in run["results"]]
    assert kept == [("error", False), ("error", False)]
    (notice,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notice["message"]["text"].startswith("2 results left out (1 warning, 1 suppressed)")
    assert run["invocations"][0]["exitCode"] == 1


def test_github_limit_of_25000_results_per_run() -> None:
    items = [finding(msg=f"finding {i}", line=i + 1) for i in range(MAX_RESULTS + 1)]
    run = log([CheckResult(IMPORTS, "a", failures=items)])["runs"][0]
    assert MAX_RESULTS == 25_000 and len(run["results"]) == MAX_RESULTS
    (notice,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notice["message"]["text"].startswith("1 result left out (1 error)")


def test_under_the_limit_there_is_no_execution_notification() -> None:
    assert "toolExecutionNotifications" not in log(sample())["runs"][0]["invocations"][0]


def test_notices_become_configuration_notifications() -> None:
    notices = ("architecture.layers: not configured, needs params.architecture.layers",)
    invocation = log(sample(), OutputOptions(notices=notices))["runs"][0]["invocations"][0]
    expected = [{"level": "note", "message": {"text": notices[0]}}]
    assert invocation["toolConfigurationNotifications"] == expected
    assert "toolConfigurationNotifications" not in log(sample())["runs"][0]["invocations"][0]
