"""conftest's TAP output (v0.71, output/tap.go): one ``1..N`` plan for the whole stream, then
every result's tests, numbered on across results.

Per result: failures are ``not ok``; then ``# warnings`` (``not ok``), ``# exceptions``,
``# skip`` and ``# successes`` (``ok``, message ``SUCCESS``). A result with no tests prints
nothing; a stream with no tests at all prints nothing, not even a plan.
"""

from __future__ import annotations

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.common import reject_report, silenced
from sentinel.runner.results import CheckResult


class TapOutputter:
    name = "tap"

    def render(self, results: list[CheckResult], options: OutputOptions) -> str:
        reject_report(options)
        if silenced(results, options):
            return ""
        total = sum(result.total for result in results)
        if total == 0:
            return ""
        lines: list[str] = [f"1..{total}"]
        counter = 1
        for result in results:
            indicator = "-" if result.filename == "-" else f"- {result.filename}"
            namespace = "-" if result.namespace == "-" else f"- {result.namespace} -"
            if result.total == 0:
                continue
            sections: list[tuple[str, str, list[str]]] = [
                ("", "not ok", [r.msg for r in result.failures]),
                ("warnings", "not ok", [r.msg for r in result.warnings]),
                ("exceptions", "ok", [r.msg for r in result.exceptions]),
                ("skip", "ok", [r.msg for r in result.skipped]),
                ("successes", "ok", ["SUCCESS"] * result.successes),
            ]
            for header, status, messages in sections:
                if header and messages:
                    lines.append(f"# {header}")
                for message in messages:
                    lines.append(f"{status} {counter} {indicator} {namespace} {message}")
                    counter += 1
        return "".join(line + "\n" for line in lines)
