"""Sentinel's Markdown report."""

from __future__ import annotations

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.markdown import MarkdownOutputter
from sentinel.runner.results import CheckResult, Location, Result


def render(results: list[CheckResult], options: OutputOptions | None = None) -> str:
    return MarkdownOutputter().render(results, options or OutputOptions())


def violation(msg: str, category: str | None = "architecture", severity: str | None = "high",
              fix: str = "Depend on the port instead.", line: int = 12) -> Result:
    meta = {"rule": "architecture.layering.forbidden_import", "query": "data.architecture.deny"}
    if category:
        meta["category"] = category
    if severity:
        meta["severity"] = severity
    if fix:
        meta["fix"] = fix
    return Result(msg, loc=Location("src/app/a.py", line), metadata=meta)


def test_report_has_title_summary_table_and_sections_in_order() -> None:
    result = CheckResult(
        ".sentinel/inputs/imports.json", "architecture", successes=5,
        failures=[violation("app.a imports app.b")],
        warnings=[Result("sleep in async test", metadata={"query": "data.tests.warn"})],
        exceptions=[Result("waived", metadata={"rule": "tests.sleep"})],
    )
    assert render([result]) == (
        "# Sentinel policy report\n"
        "\n"
        "**8 tests, 5 passed, 1 warning, 1 failure, 1 exception**\n"
        "\n"
        "## Summary\n"
        "\n"
        "| Category | Severity | Count |\n"
        "| --- | --- | --- |\n"
        "| architecture | high | 1 |\n"
        "| uncategorised | unspecified | 1 |\n"
        "\n"
        "## Failures (1)\n"
        "\n"
        "| Location | Rule | Message | Fix |\n"
        "| --- | --- | --- | --- |\n"
        "| `src/app/a.py:12` | `architecture.layering.forbidden_import` | app.a imports app.b "
        "| Depend on the port instead. |\n"
        "\n"
        "## Warnings (1)\n"
        "\n"
        "| Location | Rule | Message | Fix |\n"
        "| --- | --- | --- | --- |\n"
        "| `.sentinel/inputs/imports.json` | `data.tests.warn` | sleep in async test |  |\n"
        "\n"
        "## Exceptions (1)\n"
        "\n"
        "| Location | Rule | Message | Fix |\n"
        "| --- | --- | --- | --- |\n"
        "| `.sentinel/inputs/imports.json` | `tests.sleep` | waived |  |\n"
    )


def test_summary_counts_by_category_and_severity_most_severe_first() -> None:
    result = CheckResult("f", "m", failures=[
        violation("a", category="tests", severity="low"),
        violation("b", category="architecture", severity="high"),
        violation("c", category="architecture", severity="high"),
        violation("d", category=None, severity=None),
    ])
    out = render([result])
    rows = out.split("| --- | --- | --- |\n")[1].split("\n\n")[0].splitlines()
    assert rows == [
        "| architecture | high | 2 |",
        "| tests | low | 1 |",
        "| uncategorised | unspecified | 1 |",
    ]


def test_pipes_and_line_breaks_cannot_break_a_table_row() -> None:
    result = CheckResult("f", "m", failures=[violation("a | b\nc\r\nd", fix="use x|y\ninstead")])
    row = render([result]).split("| --- | --- | --- | --- |\n")[1].splitlines()[0]
    assert row == (
        "| `src/app/a.py:12` | `architecture.layering.forbidden_import` "
        "| a \\| b<br>c<br>d | use x\\|y<br>instead |"
    )


def test_markup_in_messages_is_escaped() -> None:
    result = CheckResult("f", "m", failures=[violation("<script>alert(1)</script> & co")])
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in render([result])


def test_backticks_in_code_cells_lengthen_the_fence() -> None:
    result = CheckResult("f", "m", failures=[Result("x", metadata={"rule": "odd`rule"})])
    assert "| ``odd`rule`` |" in render([result])


def test_clean_run_says_so() -> None:
    assert render([CheckResult("f", "m", successes=2)]) == (
        "# Sentinel policy report\n\n**2 tests, 2 passed, 0 warnings, 0 failures, 0 exceptions**\n\n"
        "No failures, warnings or exceptions.\n"
    )
