"""conftest's JSON output; expected text derived from conftest's output/json.go and json_test.go."""

from __future__ import annotations

import json

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.json import JsonOutputter
from sentinel.runner.results import CheckResult, Location, Result


def render(results: list[CheckResult], options: OutputOptions | None = None) -> str:
    return JsonOutputter().render(results, options or OutputOptions())


def test_results_are_a_tab_indented_array_ending_in_a_newline() -> None:
    result = CheckResult(
        "examples/kubernetes/service.yaml", "namespace",
        warnings=[Result("first warning")], failures=[Result("first failure")],
        skipped=[Result("first skipped")],
    )
    assert render([result]) == (
        "[\n"
        "\t{\n"
        '\t\t"filename": "examples/kubernetes/service.yaml",\n'
        '\t\t"namespace": "namespace",\n'
        '\t\t"successes": 0,\n'
        '\t\t"skipped": [\n'
        "\t\t\t{\n"
        '\t\t\t\t"msg": "first skipped"\n'
        "\t\t\t}\n"
        "\t\t],\n"
        '\t\t"warnings": [\n'
        "\t\t\t{\n"
        '\t\t\t\t"msg": "first warning"\n'
        "\t\t\t}\n"
        "\t\t],\n"
        '\t\t"failures": [\n'
        "\t\t\t{\n"
        '\t\t\t\t"msg": "first failure"\n'
        "\t\t\t}\n"
        "\t\t]\n"
        "\t}\n"
        "]\n"
    )


def test_a_result_without_findings_has_no_empty_lists() -> None:
    result = CheckResult("examples/kubernetes/service.yaml", "namespace")
    assert render([result]) == (
        '[\n\t{\n\t\t"filename": "examples/kubernetes/service.yaml",\n'
        '\t\t"namespace": "namespace",\n\t\t"successes": 0\n\t}\n]\n'
    )


def test_stdin_file_name_becomes_empty() -> None:
    assert json.loads(render([CheckResult("-", "namespace")]))[0]["filename"] == ""


def test_output_round_trips_through_check_result() -> None:
    original = CheckResult(
        "inputs/imports.json", "architecture", successes=3,
        failures=[Result("a imports b", loc=Location("src/a.py", 12),
                         metadata={"rule": "architecture.layering", "severity": "high",
                                   "query": "data.x.deny"})],
        warnings=[Result("slow test", metadata={"query": "data.x.warn"})],
        exceptions=[Result("waived")],
    )
    parsed = [CheckResult.from_json(raw) for raw in json.loads(render([original]))]
    assert parsed == [original]


def test_metadata_keys_are_sorted_at_every_depth_like_go_maps() -> None:
    meta = {"severity": "high", "fix": {"z": 1, "a": 2}, "category": "x"}
    out = render([CheckResult("f", "m", failures=[Result("bad", metadata=meta)])])
    assert out.index('"category"') < out.index('"fix"') < out.index('"severity"')
    assert out.index('"a": 2') < out.index('"z": 1')
    assert list(meta) == ["severity", "fix", "category"]


def test_html_characters_are_unicode_escaped_like_go() -> None:
    out = render([CheckResult("f", "m", failures=[Result("a <b> & c \u2028")])])
    assert '"msg": "a \\u003cb\\u003e \\u0026 c \\u2028"' in out


def test_non_ascii_text_stays_utf8() -> None:
    assert '"msg": "naïve 名前"' in render([CheckResult("f", "m", failures=[Result("naïve 名前")])])


def test_a_line_given_as_text_is_written_as_a_number() -> None:
    out = render([CheckResult("f", "m", failures=[Result("bad", loc=Location("src/a.py", "12"))])])
    assert '"line": 12' in out


def test_quiet_clean_run_prints_nothing() -> None:
    assert render([CheckResult("f", "m", successes=1)], OutputOptions(quiet=True)) == ""
