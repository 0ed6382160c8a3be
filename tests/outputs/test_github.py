"""GitHub workflow commands; expected text derived from conftest's output/github.go and github_test.go."""

from __future__ import annotations

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.github import GithubOutputter
from sentinel.runner.results import CheckResult, Location, Result


def render(results: list[CheckResult]) -> str:
    return GithubOutputter().render(results, OutputOptions())


def test_failures_warnings_skipped_and_successes_in_a_group() -> None:
    result = CheckResult(
        "examples/kubernetes/service.yaml", "namespace", successes=10,
        failures=[Result("first failure")], warnings=[Result("first warning")],
        skipped=[Result("first skipped")],
    )
    assert render([result]) == (
        '::group::Testing "examples/kubernetes/service.yaml" against 13 policies in namespace "namespace"\n'
        "::error file=examples/kubernetes/service.yaml,line=1::first failure\n"
        "::warning file=examples/kubernetes/service.yaml,line=1::first warning\n"
        "::notice file=examples/kubernetes/service.yaml,line=1::Test was skipped: first skipped\n"
        "::notice file=examples/kubernetes/service.yaml,line=1::Number of successful checks: 10\n"
        "::endgroup::\n"
        "13 tests, 10 passed, 1 warning, 1 failure, 0 exceptions\n"
    )


def test_exceptions_are_notices() -> None:
    result = CheckResult("a.json", "main", exceptions=[Result("waived")])
    assert "::notice file=a.json,line=1::waived\n" in render([result])


def test_loc_in_the_same_file_points_at_its_line() -> None:
    result = CheckResult("foo.json", "main", failures=[Result("first failure", loc=Location("foo.json", 10))])
    assert render([result]).splitlines()[1] == "::error file=foo.json,line=10::first failure"


def test_loc_in_another_file_gives_one_annotation_there() -> None:
    finding = Result("a imports b", loc=Location("src/app/a.py", "42"))
    result = CheckResult(".sentinel/inputs/imports.json", "architecture", failures=[finding])
    lines = render([result]).splitlines()
    assert lines[1] == "::error file=src/app/a.py,line=42::a imports b"
    assert lines[2].startswith("::notice file=.sentinel/inputs/imports.json,line=1::Number of")


def test_loc_without_a_line_falls_back_to_line_one() -> None:
    result = CheckResult("x.json", "main", warnings=[Result("w", loc=Location("src/b.py"))])
    assert render([result]).splitlines()[1] == "::warning file=src/b.py,line=1::w"


def test_message_escapes_percent_and_line_breaks() -> None:
    result = CheckResult("a.json", "main", failures=[Result("100% bad\r\nnext line")])
    assert render([result]).splitlines()[1] == "::error file=a.json,line=1::100%25 bad%0D%0Anext line"


def test_file_property_escapes_colon_and_comma() -> None:
    result = CheckResult("dir,1/c:d%.json", "main", failures=[Result("x")])
    assert render([result]).splitlines()[1] == "::error file=dir%2C1/c%3Ad%25.json,line=1::x"


def test_group_title_quotes_like_go() -> None:
    result = CheckResult('we"ird.json', "ma\nin")
    assert render([result]).splitlines()[0] == (
        '::group::Testing "we\\"ird.json" against 0 policies in namespace "ma\\nin"'
    )


def test_stdin_file_is_a_dash() -> None:
    result = CheckResult("-", "namespace", failures=[Result("first failure")])
    assert render([result]) == (
        '::group::Testing "-" against 1 policies in namespace "namespace"\n'
        "::error file=-,line=1::first failure\n"
        "::notice file=-,line=1::Number of successful checks: 0\n"
        "::endgroup::\n"
        "1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions\n"
    )
