"""GitHub Actions workflow commands, after conftest's output/github.go.

Per result: ``::group::Testing "<file>" against N policies in namespace "<ns>"``, then
``::error`` for failures, ``::warning`` for warnings, ``::notice`` for exceptions and skipped
tests (``Test was skipped: <msg>``), a ``::notice`` with the number of successful checks and
``::endgroup::``; finally conftest's summary line. Each annotation points at the result's
``loc`` (file and line) when the policy gave one, else at line 1 of the input file.

Two differences from conftest, on purpose: values are escaped by GitHub's workflow-command rules
(``%``, CR, LF in the message; also ``:`` and ``,`` in properties), and a ``loc`` in another file
gives one annotation there instead of two (conftest repeats it on the input file with an
``(ORIGINATING FROM ...)`` prefix), because GitHub shows at most 10 error annotations per step.
"""

from __future__ import annotations

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.common import (
    go_quote,
    line_number,
    posix_path,
    reject_report,
    silenced,
    summary_text,
    totals,
)
from sentinel.runner.results import CheckResult, Result


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, file: str, line: int, message: str) -> str:
    return f"::{level} file={escape_property(file)},line={line}::{escape_data(message)}"


class GithubOutputter:
    name = "github"

    def render(self, results: list[CheckResult], options: OutputOptions) -> str:
        reject_report(options)
        if silenced(results, options):
            return ""
        lines: list[str] = []
        for result in results:
            file = posix_path(result.filename)

            def annotate(level: str, item: Result, message: str, file: str = file) -> str:
                target, line = file, 1
                if item.loc is not None:
                    target = posix_path(item.loc.file) if item.loc.file else file
                    line = line_number(item.loc) or 1
                return command(level, target, line, message)

            title = (f"Testing {go_quote(result.filename)} against {result.total} policies "
                     f"in namespace {go_quote(result.namespace)}")
            lines.append(f"::group::{escape_data(title)}")
            lines += [annotate("error", r, r.msg) for r in result.failures]
            lines += [annotate("warning", r, r.msg) for r in result.warnings]
            lines += [annotate("notice", r, r.msg) for r in result.exceptions]
            lines += [annotate("notice", r, f"Test was skipped: {r.msg}") for r in result.skipped]
            lines.append(command("notice", file, 1, f"Number of successful checks: {result.successes}"))
            lines.append("::endgroup::")
        lines.append(summary_text(totals(results)))
        return "\n".join(lines) + "\n"
