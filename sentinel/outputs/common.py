"""Helpers shared by the output formats: totals, conftest's summary line, paths and lines."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePosixPath

from sentinel.errors import UsageError
from sentinel.outputs.base import OutputOptions
from sentinel.runner.results import CheckResult, Location


@dataclass(frozen=True)
class Totals:
    successes: int = 0
    warnings: int = 0
    failures: int = 0
    exceptions: int = 0
    skipped: int = 0

    @property
    def tests(self) -> int:
        return self.successes + self.warnings + self.failures + self.exceptions + self.skipped


def totals(results: list[CheckResult]) -> Totals:
    return Totals(
        successes=sum(r.successes for r in results),
        warnings=sum(len(r.warnings) for r in results),
        failures=sum(len(r.failures) for r in results),
        exceptions=sum(len(r.exceptions) for r in results),
        skipped=sum(len(r.skipped) for r in results),
    )


def plural(word: str, count: int) -> str:
    return word if count == 1 else word + "s"


def summary_text(t: Totals, show_skipped: bool = False) -> str:
    """conftest's closing line: ``2 tests, 0 passed, 1 warning, 1 failure, 0 exceptions``."""
    text = (
        f"{t.tests} {plural('test', t.tests)}, {t.successes} passed, "
        f"{t.warnings} {plural('warning', t.warnings)}, {t.failures} {plural('failure', t.failures)}, "
        f"{t.exceptions} {plural('exception', t.exceptions)}"
    )
    if show_skipped:
        text += f", {t.skipped} skipped"
    return text


def silenced(results: list[CheckResult], options: OutputOptions) -> bool:
    """conftest prints nothing under --quiet when its exit code would be 0."""
    if not options.quiet:
        return False
    failing = any(r.failures for r in results)
    if options.fail_on_warn:
        failing = failing or any(r.warnings for r in results)
    return not failing


def reject_report(options: OutputOptions) -> None:
    if options.report:
        raise UsageError("report flag is supported with stdout only")


def posix_path(path: str) -> str:
    """Repository-relative POSIX form: backslashes become slashes, absolute paths under the cwd relative."""
    if not path or path == "-":
        return path
    if not path.startswith(("/", "./")) and not any(part in path for part in ("\\", "//", "/./")):
        return path  # already clean: the common case, kept cheap
    path = path.replace("\\", "/")
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:
            rel = path
        if not rel.startswith(".."):
            path = rel
    text = str(PurePosixPath(path.replace(os.sep, "/")))
    return text[2:] if text.startswith("./") else text


def line_number(loc: Location | None) -> int | None:
    """The 1-based line of a location, or None when it has none usable."""
    if loc is None or loc.line == "" or isinstance(loc.line, bool):
        return None
    try:
        line = int(loc.line)
    except (TypeError, ValueError):
        return None
    return line if line >= 1 else None


def go_quote(text: str) -> str:
    """Go's ``%q`` (strconv.Quote) for the strings conftest formats with it."""
    named = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
             '"': '\\"', "\\": "\\\\"}
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in named:
            out.append(named[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif ch == " " or ch.isprintable():
            out.append(ch)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)
