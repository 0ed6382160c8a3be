"""conftest's TAP output (output/tap.go): one ``1..N`` plan per result, then its tests.

Failures are ``not ok``; then ``# warnings`` (``not ok``), ``# exceptions``, ``# skip`` and
``# successes`` (``ok``, message ``SUCCESS``), numbered on from 1 within each result. A result
with no tests prints nothing (conftest stops at such a result and drops the ones after it; we
only skip it).
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
        lines: list[str] = []
        for result in results:
            indicator = "-" if result.filename == "-" else f"- {result.filename}"
            namespace = "-" if result.namespace == "-" else f"- {result.namespace} -"
            if result.total == 0:
                continue
            lines.append(f"1..{result.total}")
            sections: list[tuple[str, str, list[str]]] = [
                ("", "not ok", [r.msg for r in result.failures]),
                ("warnings", "not ok", [r.msg for r in result.warnings]),
                ("exceptions", "ok", [r.msg for r in result.exceptions]),
                ("skip", "ok", [r.msg for r in result.skipped]),
                ("successes", "ok", ["SUCCESS"] * result.successes),
            ]
            counter = 1
            for header, status, messages in sections:
                if header and messages:
                    lines.append(f"# {header}")
                for message in messages:
                    lines.append(f"{status} {counter} {indicator} {namespace} {message}")
                    counter += 1
        return "".join(line + "\n" for line in lines)
