"""conftest's table output; expected text from conftest's output/table_test.go (tablewriter v1)."""

from __future__ import annotations

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.table import TableOutputter
from sentinel.runner.results import CheckResult, Result


def render(results: list[CheckResult]) -> str:
    return TableOutputter().render(results, OutputOptions())


def test_rows_are_drawn_in_a_light_box_with_a_centred_header() -> None:
    result = CheckResult(
        "examples/kubernetes/service.yaml", "namespace",
        warnings=[Result("first warning")], failures=[Result("first failure")],
        skipped=[Result("first skipped")],
    )
    assert render([result]) == (
        "┌─────────┬──────────────────────────────────┬───────────┬───────────────┐\n"
        "│ RESULT  │               FILE               │ NAMESPACE │    MESSAGE    │\n"
        "├─────────┼──────────────────────────────────┼───────────┼───────────────┤\n"
        "│ warning │ examples/kubernetes/service.yaml │ namespace │ first warning │\n"
        "│ skipped │ examples/kubernetes/service.yaml │ namespace │ first skipped │\n"
        "│ failure │ examples/kubernetes/service.yaml │ namespace │ first failure │\n"
        "└─────────┴──────────────────────────────────┴───────────┴───────────────┘\n"
    )


def test_no_rows_prints_nothing() -> None:
    assert render([CheckResult("examples/kubernetes/service.yaml", "")]) == ""


def test_successes_and_exceptions_come_first() -> None:
    result = CheckResult("a", "m", successes=1, exceptions=[Result("e")], failures=[Result("f")])
    assert [line.split("│")[1].strip() for line in render([result]).splitlines()[3:-1]] == [
        "success", "exception", "failure",
    ]


def test_a_multi_line_message_spreads_over_lines() -> None:
    result = CheckResult("a", "m", failures=[Result("one\ntwo")])
    assert render([result]).splitlines()[3:5] == [
        "│ failure │ a    │ m         │ one     │",
        "│         │      │           │ two     │",
    ]


def test_wide_characters_count_two_columns() -> None:
    result = CheckResult("a", "m", failures=[Result("名前")])
    assert render([result]).splitlines()[3] == "│ failure │ a    │ m         │ 名前    │"
