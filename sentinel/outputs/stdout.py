"""conftest's "standard" output (output/standard.go), and its verify ``--report`` view.

Lines are ``WARN - <file> - <namespace> - <msg>`` (then FAIL, then EXCP per result), a blank
line and the summary, coloured with conftest's colours unless ``no_color``. In verify mode the
namespace is blank, as conftest's verify results carry none (``FAIL - p_test.rego -  - data.x.test_y``),
and the summary always ends with ``, N skipped``. Notices about the run (``check``'s rules that are
not configured) follow the summary, one ``NOTE - <notice>`` line each; ``test`` has none, so its
output stays conftest's.
"""

from __future__ import annotations

import click

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.common import line_number, silenced, summary_text, totals
from sentinel.runner.results import CheckResult, Result

RULE = "-" * 80


class StdoutOutputter:
    name = "stdout"

    def render(self, results: list[CheckResult], options: OutputOptions) -> str:
        if silenced(results, options):
            return ""
        verify = options.mode == "verify"
        if verify and options.report:
            return _report(results)

        def paint(text: str, colour: str) -> str:
            return text if options.no_color else click.style(text, fg=colour)

        lines: list[str] = []
        if not verify:
            # conftest prints each print() line with a newline of its own, so a blank line follows.
            for result in results:
                for out in result.prints:
                    lines.extend((f"{paint('PRNT ', 'blue')}  {out}", ""))

        counted: list[CheckResult] = []
        for result in results:
            indicator = "-" if result.filename == "-" else f"- {result.filename}"
            ns = "" if verify else result.namespace
            namespace = "-" if ns == "-" else f"- {ns} -"
            if options.show_no_policies and result.total == 0:
                lines.append(f"{paint('?', 'white')} {indicator} {namespace} no policies found")
                continue
            prefix = f"{indicator} {namespace}"
            lines.extend(f"{paint('WARN', 'yellow')} {prefix} {r.msg}" for r in result.warnings)
            lines.extend(f"{paint('FAIL', 'red')} {prefix} {r.msg}" for r in result.failures)
            if not options.suppress_exceptions:
                lines.extend(f"{paint('EXCP', 'cyan')} {prefix} {r.msg}" for r in result.exceptions)
            counted.append(result)

        t = totals(counted)
        if t.failures:
            colour = "red"
        elif t.warnings:
            colour = "yellow"
        elif t.exceptions:
            colour = "cyan"
        else:
            colour = "green"
        lines.append("")
        lines.append(paint(summary_text(t, options.show_skipped or verify), colour))
        lines.extend(paint(f"NOTE - {' '.join(notice.split())}", "blue") for notice in options.notices)
        return "\n".join(lines) + "\n"


def _report(results: list[CheckResult]) -> str:
    """``verify --report``: the shape of OPA's verbose PrettyReporter that conftest prints.

    The embedded engine gives no evaluation trace and no timings, so test lines carry no
    ``(duration)`` and no trace follows them; passing tests appear only when they printed
    something (``notes``), since the results count the others without naming them.
    """
    lines: list[str] = []
    last_file = ""
    passed = failed = skipped = 0
    failures: list[Result] = []
    for result in results:
        passed += result.successes
        failed += len(result.failures)
        skipped += len(result.skipped)
        failures.extend(result.failures)
        tests = [(r, "FAIL") for r in result.failures] + [(r, "SKIPPED") for r in result.skipped]
        tests += [(r, "PASS") for r in result.notes]
        tests.sort(key=lambda pair: line_number(pair[0].loc) or 0)
        for test, outcome in tests:
            if test.loc is not None and test.loc.file:
                if last_file and last_file != test.loc.file:
                    lines.append("")
                lines.append(f"{test.loc.file}:{line_number(test.loc) or 0}:")
                last_file = test.loc.file
            lines.append(f"{test.msg}: {outcome}")
            printed = "\n".join(test.outputs).strip()
            if printed:
                lines.append("")
                lines.extend(f"  {line}" if line else "" for line in printed.split("\n"))
                lines.append("")

    if failed:
        lines += [RULE, "FAILURES", RULE]
        for failure in failures:
            lines += [f"{failure.msg}: FAIL", ""]

    total = passed + failed + skipped
    if total:
        lines.append(RULE)
    if passed:
        lines.append(f"PASS: {passed}/{total}")
    if failed:
        lines.append(f"FAIL: {failed}/{total}")
    if skipped:
        lines.append(f"SKIPPED: {skipped}/{total}")
    return "\n".join(lines) + "\n" if lines else ""
