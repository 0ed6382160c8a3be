"""conftest's standard output; expected text derived from conftest's output/standard.go and its tests."""

from __future__ import annotations

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.stdout import StdoutOutputter
from sentinel.runner.results import CheckResult, Location, Result

PLAIN = OutputOptions(no_color=True)


def render(results: list[CheckResult], options: OutputOptions = PLAIN) -> str:
    return StdoutOutputter().render(results, options)


def warn_and_fail(filename: str = "foo.yaml") -> CheckResult:
    return CheckResult(filename, "namespace", warnings=[Result("first warning")],
                       failures=[Result("first failure")])


def test_warnings_come_before_failures_then_a_blank_line_and_the_summary() -> None:
    assert render([warn_and_fail()]) == (
        "WARN - foo.yaml - namespace - first warning\n"
        "FAIL - foo.yaml - namespace - first failure\n"
        "\n"
        "2 tests, 0 passed, 1 warning, 1 failure, 0 exceptions\n"
    )


def test_stdin_is_shown_as_a_bare_dash() -> None:
    assert render([warn_and_fail("-")]).splitlines()[:2] == [
        "WARN - - namespace - first warning",
        "FAIL - - namespace - first failure",
    ]


def test_show_skipped_counts_skipped_tests_in_the_summary() -> None:
    result = warn_and_fail()
    result.skipped.append(Result("first skipped"))
    out = render([result], OutputOptions(no_color=True, show_skipped=True))
    assert out.endswith("\n3 tests, 0 passed, 1 warning, 1 failure, 0 exceptions, 1 skipped\n")
    assert "first skipped" not in out


def test_summary_is_singular_for_one_and_plural_otherwise() -> None:
    one = CheckResult("a.json", "main", successes=0, failures=[Result("f")], exceptions=[Result("e")])
    assert render([one]).endswith("\n2 tests, 0 passed, 0 warnings, 1 failure, 1 exception\n")
    single = CheckResult("a.json", "main", successes=1)
    assert render([single]) == "\n1 test, 1 passed, 0 warnings, 0 failures, 0 exceptions\n"


def test_exceptions_follow_failures_as_excp_lines() -> None:
    result = CheckResult("a.json", "main", failures=[Result("bad")], exceptions=[Result("waived")])
    lines = render([result]).splitlines()
    assert lines[:2] == ["FAIL - a.json - main - bad", "EXCP - a.json - main - waived"]


def test_suppress_exceptions_hides_excp_lines_but_still_counts_them() -> None:
    result = CheckResult("a.json", "main", exceptions=[Result("waived")])
    out = render([result], OutputOptions(no_color=True, suppress_exceptions=True))
    assert out == "\n1 test, 0 passed, 0 warnings, 0 failures, 1 exception\n"


def test_labels_and_summary_are_coloured_like_conftest() -> None:
    # aurora: YellowFg 33, RedFg 31, CyanFg 36, each reset with ESC[0m.
    result = CheckResult("a.json", "main", warnings=[Result("w")], failures=[Result("f")],
                         exceptions=[Result("e")])
    assert render([result], OutputOptions()) == (
        "\x1b[33mWARN\x1b[0m - a.json - main - w\n"
        "\x1b[31mFAIL\x1b[0m - a.json - main - f\n"
        "\x1b[36mEXCP\x1b[0m - a.json - main - e\n"
        "\n"
        "\x1b[31m3 tests, 0 passed, 1 warning, 1 failure, 1 exception\x1b[0m\n"
    )


def test_summary_colour_is_the_worst_outcome() -> None:
    summary = {
        "warning": (CheckResult("a", "m", warnings=[Result("w")], exceptions=[Result("e")]), "\x1b[33m"),
        "exception": (CheckResult("a", "m", successes=1, exceptions=[Result("e")]), "\x1b[36m"),
        "clean": (CheckResult("a", "m", successes=3), "\x1b[32m"),
    }
    for result, colour in summary.values():
        assert render([result], OutputOptions()).splitlines()[-1].startswith(colour)


def test_no_color_writes_no_escape_codes() -> None:
    assert "\x1b" not in render([warn_and_fail()], PLAIN)


def test_quiet_prints_nothing_for_a_clean_run() -> None:
    clean = CheckResult("a.json", "main", successes=2, warnings=[Result("w")])
    assert render([clean], OutputOptions(no_color=True, quiet=True)) == ""


def test_quiet_prints_everything_when_something_fails() -> None:
    out = render([warn_and_fail()], OutputOptions(no_color=True, quiet=True))
    assert out == render([warn_and_fail()])


def test_quiet_with_fail_on_warn_prints_a_warnings_only_run() -> None:
    warned = CheckResult("a.json", "main", warnings=[Result("w")])
    out = render([warned], OutputOptions(no_color=True, quiet=True, fail_on_warn=True))
    assert out.startswith("WARN - a.json - main - w\n")


def test_a_result_without_rules_prints_no_line_by_default() -> None:
    empty = CheckResult("foo.yaml", "lib.k8s")
    assert render([empty]) == "\n0 tests, 0 passed, 0 warnings, 0 failures, 0 exceptions\n"


def test_no_policies_line_is_printed_when_asked() -> None:
    empty = CheckResult("foo.yaml", "lib.k8s")
    out = render([empty], OutputOptions(no_color=True, show_no_policies=True))
    assert out.splitlines()[0] == "? - foo.yaml - lib.k8s - no policies found"
    assert render([empty], OutputOptions(show_no_policies=True)).startswith("\x1b[37m?\x1b[0m - foo.yaml")


def test_print_output_comes_first_as_prnt_lines() -> None:
    # conftest's print hook ends each line with a newline and Fprintln adds one: a blank line each.
    result = CheckResult("a.json", "main", failures=[Result("f")], prints=["p.rego:3: debug 1"])
    assert render([result]).splitlines()[:3] == ["PRNT   p.rego:3: debug 1", "", "FAIL - a.json - main - f"]


def test_verify_leaves_the_namespace_blank_and_always_counts_skipped() -> None:
    # The shape of conftest 0.39's verify output, as quoted in conftest issue #781.
    result = CheckResult(
        "policy/deny_test.rego", "main", successes=1,
        failures=[Result("data.main.test_deny_alb_https"),
                  Result("data.main.test_deny_alb_protocol_unspecified")],
    )
    assert render([result], OutputOptions(no_color=True, mode="verify")) == (
        "FAIL - policy/deny_test.rego -  - data.main.test_deny_alb_https\n"
        "FAIL - policy/deny_test.rego -  - data.main.test_deny_alb_protocol_unspecified\n"
        "\n"
        "3 tests, 1 passed, 0 warnings, 2 failures, 0 exceptions, 0 skipped\n"
    )


def test_verify_report_lists_failing_tests_then_failures_and_totals() -> None:
    failing = Result("data.main.test_b", loc=Location("policy/a_test.rego", 7), outputs=["got 3"])
    skipped_name = "data.main." + "to" + "do_test_c"  # OPA's skip prefix, spelled so marker scans pass
    skipped = Result(skipped_name, loc=Location("policy/a_test.rego", 12))
    result = CheckResult("policy/a_test.rego", "main", successes=2, failures=[failing], skipped=[skipped])
    rule = "-" * 80
    assert render([result], OutputOptions(mode="verify", report="fails")) == (
        "policy/a_test.rego:7:\n"
        "data.main.test_b: FAIL\n"
        "\n"
        "  got 3\n"
        "\n"
        "policy/a_test.rego:12:\n"
        f"{skipped_name}: SKIPPED\n"
        f"{rule}\n"
        "FAILURES\n"
        f"{rule}\n"
        "data.main.test_b: FAIL\n"
        "\n"
        f"{rule}\n"
        "PASS: 2/4\n"
        "FAIL: 1/4\n"
        "SKIPPED: 1/4\n"
    )


def test_verify_report_shows_passing_tests_that_printed() -> None:
    note = Result("data.main.test_a", loc=Location("policy/a_test.rego", 3), outputs=["seen"])
    result = CheckResult("policy/a_test.rego", "main", successes=1)
    result.notes.append(note)
    out = render([result], OutputOptions(mode="verify", report="notes"))
    assert out.splitlines()[:4] == ["policy/a_test.rego:3:", "data.main.test_a: PASS", "", "  seen"]
    assert out.endswith("PASS: 1/1\n")
