"""conftest's TAP output; expected text derived from conftest's output/tap.go."""

from __future__ import annotations

import pytest

from sentinel.errors import UsageError
from sentinel.outputs.base import OutputOptions
from sentinel.outputs.tap import TapOutputter
from sentinel.runner.results import CheckResult, Result


def render(results: list[CheckResult], options: OutputOptions | None = None) -> str:
    return TapOutputter().render(results, options or OutputOptions())


def test_plan_then_failures_warnings_exceptions_skipped_and_successes() -> None:
    result = CheckResult(
        "examples/kubernetes/service.yaml", "namespace", successes=1,
        warnings=[Result("first warning")], failures=[Result("first failure")],
        exceptions=[Result("first exception")], skipped=[Result("first skipped")],
    )
    assert render([result]) == (
        "1..5\n"
        "not ok 1 - examples/kubernetes/service.yaml - namespace - first failure\n"
        "# warnings\n"
        "not ok 2 - examples/kubernetes/service.yaml - namespace - first warning\n"
        "# exceptions\n"
        "ok 3 - examples/kubernetes/service.yaml - namespace - first exception\n"
        "# skip\n"
        "ok 4 - examples/kubernetes/service.yaml - namespace - first skipped\n"
        "# successes\n"
        "ok 5 - examples/kubernetes/service.yaml - namespace - SUCCESS\n"
    )


def test_one_plan_for_the_stream_and_numbering_across_results() -> None:
    results = [
        CheckResult("a.yaml", "main", failures=[Result("bad a")]),
        CheckResult("empty.yaml", "main"),
        CheckResult("b.yaml", "main", successes=2),
    ]
    assert render(results) == (
        "1..3\n"
        "not ok 1 - a.yaml - main - bad a\n"
        "# successes\n"
        "ok 2 - b.yaml - main - SUCCESS\n"
        "ok 3 - b.yaml - main - SUCCESS\n"
    )


def test_no_tests_at_all_prints_no_plan() -> None:
    assert render([CheckResult("a.yaml", "main")]) == ""


def test_stdin_is_shown_as_a_bare_dash() -> None:
    assert render([CheckResult("-", "main", failures=[Result("x")])]) == "1..1\nnot ok 1 - - main - x\n"


def test_a_result_with_no_tests_is_skipped_without_dropping_later_ones() -> None:
    results = [CheckResult("empty.yaml", "main"), CheckResult("b.yaml", "main", failures=[Result("x")])]
    assert render(results) == "1..1\nnot ok 1 - b.yaml - main - x\n"


def test_report_is_refused_outside_stdout() -> None:
    with pytest.raises(UsageError, match="stdout only"):
        render([], OutputOptions(mode="verify", report="full"))
