"""The merge gate: a verdict from the findings alone, whatever happened to the feedback.

Exit codes: 0 no blocking finding, 1 at least one blocking finding, 2 results missing,
unreadable, empty or not vouched for by a run record of this checkout (raised as SentinelError
by sentinel.results_file before a verdict exists).
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.bot.findings import Finding


@dataclass(frozen=True)
class Verdict:
    blocking: list[Finding]
    warnings: list[Finding]
    fail_on_warn: bool = False

    @property
    def exit_code(self) -> int:
        if self.blocking or (self.fail_on_warn and self.warnings):
            return 1
        return 0

    def headline(self) -> str:
        b, w = len(self.blocking), len(self.warnings)
        counts = f"{b} blocking finding{'s' if b != 1 else ''}, {w} warning{'s' if w != 1 else ''}"
        if self.exit_code:
            return f"Sentinel gate: FAIL ({counts})"
        return f"Sentinel gate: PASS ({counts})"

    def lines(self) -> list[str]:
        out = [self.headline()]
        for f in self.blocking:
            where = f"{f.location}: " if f.location else ""
            # one line each: in Actions a line starting with "::" would be a workflow command
            out.append(f"  {where}[{f.rule}] {' '.join(f.message.split())}")
        return out


def verdict(findings: list[Finding], fail_on_warn: bool = False) -> Verdict:
    return Verdict(
        blocking=[f for f in findings if f.blocking],
        warnings=[f for f in findings if not f.blocking],
        fail_on_warn=fail_on_warn,
    )
