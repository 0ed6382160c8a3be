"""GitLab Code Quality: the fields GitLab's documentation lists, from real Rego results.

The expected shape is GitLab's documented example
(https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format): an array of issues
with ``description``, ``check_name``, ``fingerprint``, ``severity`` (one of info, minor, major,
critical, blocker) and ``location.path`` / ``location.lines.begin``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.codeclimate import SEVERITIES, CodeclimateOutputter
from sentinel.runner.evaluate import Input, run_tests
from sentinel.runner.evaluate import TestOptions as RunOptions
from sentinel.runner.results import CheckResult, Location, Result
from tests.conftest import GitRepo

IMPORTS = ".sentinel/inputs/imports.json"
POLICY = """package main

deny contains {"msg": msg, "_loc": {"file": imp.file, "line": imp.line}, "rule": "arch.forbidden",
               "severity": "high"} if {
	some imp in input.imports
	imp.target == "requests"
	msg := sprintf("%s imports %s", [imp.file, imp.target])
}

warn contains {"msg": "module app.contracts is missing", "rule": "arch.missing"} if {
	input.kind == "imports"
}
"""


@pytest.fixture(autouse=True)
def in_empty_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def evaluate(document: dict[str, Any], folder: Path) -> list[CheckResult]:
    (folder / "policy.rego").write_text(POLICY, encoding="utf-8")
    options = RunOptions(policy=(str(folder / "policy.rego"),))
    return run_tests([], options, documents=[Input(name=IMPORTS, document=document)])


def report(results: list[CheckResult], root: Path | None = None) -> list[dict[str, Any]]:
    parsed: list[dict[str, Any]] = json.loads(CodeclimateOutputter(root).render(results, OutputOptions()))
    for issue in parsed:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in SEVERITIES
        assert isinstance(issue["location"]["path"], str) and issue["location"]["path"]
        begin = issue["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1
    return parsed


def imports(*pairs: tuple[str, int]) -> dict[str, Any]:
    return {"kind": "imports", "imports": [{"file": f, "line": n, "target": "requests"} for f, n in pairs]}


def test_a_failure_becomes_an_issue_at_its_file_and_line(tmp_path: Path) -> None:
    issues = report(evaluate(imports(("src/app.py", 7)), tmp_path))
    failure = next(i for i in issues if i["check_name"] == "arch.forbidden")
    assert failure["description"] == "src/app.py imports requests"
    assert failure["location"] == {"path": "src/app.py", "lines": {"begin": 7}}
    assert failure["type"] == "issue"


def test_rule_severity_high_is_gitlab_major(tmp_path: Path) -> None:
    issues = report(evaluate(imports(("src/app.py", 7)), tmp_path))
    assert next(i for i in issues if i["check_name"] == "arch.forbidden")["severity"] == "major"


def test_a_warning_without_severity_is_minor() -> None:
    results = [CheckResult("a.json", "main", warnings=[Result("slow", metadata={"rule": "tests.slow"})])]
    assert [i["severity"] for i in report(results)] == ["minor"]


def test_critical_severity_stays_critical() -> None:
    item = Result("secret", Location("a.py", 1), {"rule": "sec.secret", "severity": "CRITICAL"})
    assert report([CheckResult("a.json", "main", failures=[item])])[0]["severity"] == "critical"


def test_a_finding_about_an_input_document_points_at_the_configuration_file(tmp_path: Path) -> None:
    issues = report(evaluate(imports(), tmp_path))
    (missing,) = issues
    assert missing["location"] == {"path": "conftest.yml", "lines": {"begin": 1}}


def test_exceptions_are_left_out() -> None:
    results = [CheckResult("a.json", "main", exceptions=[Result("waived", metadata={"rule": "x.y"})])]
    assert report(results) == []


def test_two_findings_of_one_rule_in_one_file_have_distinct_fingerprints(tmp_path: Path) -> None:
    issues = report(evaluate(imports(("src/app.py", 3), ("src/app.py", 9)), tmp_path))
    prints = [i["fingerprint"] for i in issues if i["check_name"] == "arch.forbidden"]
    assert len(prints) == 2 and len(set(prints)) == 2


def test_fingerprint_survives_a_line_inserted_above(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.write("src/app.py", "import os\nimport requests\n")
    before = report(evaluate(imports(("src/app.py", 2)), tmp_path), git_repo.root)
    git_repo.write("src/app.py", "import os\nimport sys\nimport requests\n")
    after = report(evaluate(imports(("src/app.py", 3)), tmp_path), git_repo.root)
    assert [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]


def test_a_path_escaping_the_repository_is_not_reported_as_its_location() -> None:
    item = Result("bad", Location("../../etc/passwd", 3), {"rule": "x.y"})
    (issue,) = report([CheckResult("a.json", "main", failures=[item])])
    assert issue["location"]["path"] == "conftest.yml"


def test_a_clean_run_is_an_empty_array() -> None:
    assert report([CheckResult("a.json", "main", successes=3)]) == []
