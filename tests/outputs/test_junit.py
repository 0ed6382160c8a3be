"""conftest's JUnit XML; expected text from conftest's output/junit.go and go-junit-report's formatter."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sentinel import __version__
from sentinel.outputs.base import OutputOptions
from sentinel.outputs.junit import JunitOutputter
from sentinel.runner.results import CheckResult, Result


def render(results: list[CheckResult], options: OutputOptions | None = None) -> str:
    return JunitOutputter().render(results, options or OutputOptions())


def test_one_suite_per_namespace_with_warnings_and_failures_failing() -> None:
    result = CheckResult("foo.yaml", "main", successes=1, warnings=[Result("w1")], failures=[Result("f1")])
    assert render([result]) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<testsuites>\n"
        '\t<testsuite tests="3" failures="2" time="0.000" name="conftest.main">\n'
        "\t\t<properties>\n"
        f'\t\t\t<property name="sentinel.version" value="{__version__}"></property>\n'
        "\t\t</properties>\n"
        '\t\t<testcase classname="conftest.main" name="foo.yaml - w1" time="0.000">\n'
        '\t\t\t<failure message="Failed" type="">w1</failure>\n'
        "\t\t</testcase>\n"
        '\t\t<testcase classname="conftest.main" name="foo.yaml - f1" time="0.000">\n'
        '\t\t\t<failure message="Failed" type="">f1</failure>\n'
        "\t\t</testcase>\n"
        '\t\t<testcase classname="conftest.main" name="foo.yaml" time="0.000"></testcase>\n'
        "\t</testsuite>\n"
        "</testsuites>\n"
    )


def suites(xml: str) -> ET.Element:
    return ET.fromstring(xml.encode())


def test_results_in_the_same_namespace_share_a_suite_in_first_seen_order() -> None:
    results = [
        CheckResult("a.yaml", "b_ns", failures=[Result("x")]),
        CheckResult("b.yaml", "a_ns", successes=1),
        CheckResult("c.yaml", "b_ns", successes=1),
    ]
    root = suites(render(results))
    assert [(s.get("name"), s.get("tests")) for s in root] == [("conftest.b_ns", "2"), ("conftest.a_ns", "1")]


def test_skipped_tests_carry_their_message_and_exceptions_are_left_out() -> None:
    result = CheckResult("a.yaml", "main", skipped=[Result("later")], exceptions=[Result("waived")])
    case = suites(render([result])).find("testsuite/testcase")
    assert case is not None
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message") == "later"
    assert "waived" not in render([result])


def test_test_name_uses_the_first_line_and_the_failure_keeps_the_whole_message() -> None:
    result = CheckResult("a.yaml", "main", failures=[Result("summary\ndetail")])
    case = suites(render([result])).find("testsuite/testcase")
    assert case is not None and case.get("name") == "a.yaml - summary"
    failure = case.find("failure")
    assert failure is not None and failure.text == "summary\ndetail"


def test_hide_message_names_tests_by_file_only() -> None:
    result = CheckResult("a.yaml", "main", failures=[Result("secret detail")])
    case = suites(render([result], OutputOptions(junit_hide_message=True))).find("testsuite/testcase")
    assert case is not None and case.get("name") == "a.yaml"


def test_markup_and_control_characters_stay_well_formed() -> None:
    message = 'a <b> & "c" \x1b[31mred'
    result = CheckResult("a&b.yaml", "main", failures=[Result(message)])
    xml = render([result])
    case = suites(xml).find("testsuite/testcase")
    assert case is not None and case.get("name") == 'a&b.yaml - a <b> & "c" \ufffd[31mred'
    failure = case.find("failure")
    assert failure is not None and failure.text == 'a <b> & "c" \ufffd[31mred'


def test_no_results_is_an_empty_testsuites_element() -> None:
    assert render([]) == '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites></testsuites>\n'


def test_text_and_attributes_are_escaped_as_go_xml_escapetext_does() -> None:
    # What conftest v0.71 writes for this message (Go's xml.EscapeText in attributes and text).
    message = "say \"hi\" it's <a> & b\ttab\nline2\rcr"
    out = render([CheckResult("in.json", "main", failures=[Result(message)])])
    assert 'name="in.json - say &#34;hi&#34; it&#39;s &lt;a&gt; &amp; b&#x9;tab"' in out
    assert '">say &#34;hi&#34; it&#39;s &lt;a&gt; &amp; b&#x9;tab&#xA;line2&#xD;cr</failure>' in out
