"""conftest's JUnit XML (output/junit.go, written by go-junit-report's formatter).

One ``<testsuite name="conftest.<namespace>">`` per namespace (in first-seen order; Go's map
order is random), holding per result its warnings and failures as failing test cases
(``<failure message="Failed" type="">`` with the message as text), skipped tests and one passing
case per success; exceptions are left out, as conftest does. Test names are
``<file> - <first line of message>``, or the file alone with ``junit_hide_message``. Indented
with tabs, empty elements written open-and-close and text escaped as Go's xml.EscapeText does
(``"`` as ``&#34;``, newlines as ``&#xA;``), like Go's xml.MarshalIndent. conftest's
``go.version`` property becomes ``sentinel.version``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentinel import __version__
from sentinel.outputs.base import OutputOptions
from sentinel.outputs.common import reject_report, silenced
from sentinel.runner.results import CheckResult

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry; Go's encoder writes U+FFFD for them, and so do we.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class _Case:
    name: str
    outcome: str  # "fail", "skip" or "pass"
    text: str = ""


class JunitOutputter:
    name = "junit"

    def render(self, results: list[CheckResult], options: OutputOptions) -> str:
        reject_report(options)
        if silenced(results, options):
            return ""

        def test_name(filename: str, message: str) -> str:
            if options.junit_hide_message or not message:
                return filename
            return f"{filename} - {message.split(chr(10))[0]}"

        suites: dict[str, list[_Case]] = {}
        for result in results:
            cases = suites.setdefault(result.namespace, [])
            cases += [_Case(test_name(result.filename, r.msg), "fail", r.msg) for r in result.warnings]
            cases += [_Case(test_name(result.filename, r.msg), "fail", r.msg) for r in result.failures]
            cases += [_Case(test_name(result.filename, r.msg), "skip", r.msg) for r in result.skipped]
            cases += [_Case(test_name(result.filename, ""), "pass")] * result.successes

        lines = ["<testsuites>"]
        for namespace, cases in suites.items():
            suite_name = _text(f"conftest.{namespace}")
            failures = sum(1 for c in cases if c.outcome == "fail")
            lines += [
                f'\t<testsuite tests="{len(cases)}" failures="{failures}" time="0.000" name="{suite_name}">',
                "\t\t<properties>",
                f'\t\t\t<property name="sentinel.version" value="{_text(__version__)}"></property>',
                "\t\t</properties>",
            ]
            for case in cases:
                opening = f'\t\t<testcase classname="{suite_name}" name="{_text(case.name)}" time="0.000">'
                if case.outcome == "skip":
                    skipped = f'\t\t\t<skipped message="{_text(case.text)}"></skipped>'
                    lines += [opening, skipped, "\t\t</testcase>"]
                elif case.outcome == "fail":
                    failure = f'\t\t\t<failure message="Failed" type="">{_text(case.text)}</failure>'
                    lines += [opening, failure, "\t\t</testcase>"]
                else:
                    lines.append(opening + "</testcase>")
            lines.append("\t</testsuite>")
        if len(lines) == 1:
            return HEADER + "<testsuites></testsuites>\n"
        lines.append("</testsuites>")
        return HEADER + "\n".join(lines) + "\n"


# Go's xml.EscapeText, which encoding/xml uses for attribute values and character data alike.
_GO_ESCAPES = str.maketrans({
    '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;",
    "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;",
})


def _text(text: str) -> str:
    return _clean(text).translate(_GO_ESCAPES)


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
