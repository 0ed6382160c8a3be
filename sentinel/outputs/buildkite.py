"""A Buildkite annotation: Markdown ready for ``buildkite-agent annotate``, and the line that posts it.

The body is Sentinel's Markdown report (:mod:`sentinel.outputs.markdown`: summary, tables of
failures, warnings and exceptions, every cell escaped) under Buildkite's 1 MiB annotation limit:
a longer report is cut at a line boundary with a last line saying so. :func:`annotate_command`
gives the command that posts it, with the style that matches the results (``error`` with
failures, ``warning`` with warnings only, else ``success``) and one context (``sentinel``), so
a re-run replaces the annotation instead of adding another. ``sentinel check -o buildkite=FILE``
prints that line on stderr after writing FILE.
"""

from __future__ import annotations

import shlex

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.markdown import MarkdownOutputter
from sentinel.runner.results import CheckResult

# Buildkite rejects an annotation body over 1 MiB.
MAX_BODY_BYTES = 1024 * 1024
CONTEXT = "sentinel"
_CUT_NOTE = "\n\n_Report cut at Buildkite's 1 MiB annotation limit; every finding is in the json output._\n"


def style(results: list[CheckResult]) -> str:
    if any(r.failures for r in results):
        return "error"
    if any(r.warnings for r in results):
        return "warning"
    return "success"


def annotate_command(path: str, results: list[CheckResult], context: str = CONTEXT) -> str:
    """The shell line that posts the annotation file ``path`` (quoted for a POSIX shell)."""
    return (f"buildkite-agent annotate --style {style(results)} --context {shlex.quote(context)} "
            f"< {shlex.quote(path)}")


def fit(body: str, limit: int = MAX_BODY_BYTES) -> str:
    """``body`` unchanged when it fits in ``limit`` bytes, else cut at a line with a note."""
    data = body.encode("utf-8")
    if len(data) <= limit:
        return body
    room = limit - len(_CUT_NOTE.encode("utf-8"))
    head = data[:room].decode("utf-8", errors="ignore")
    head = head[: head.rfind("\n")] if "\n" in head else ""
    return head + _CUT_NOTE


class BuildkiteOutputter:
    name = "buildkite"

    def __init__(self, limit: int = MAX_BODY_BYTES) -> None:
        self.limit = limit

    def render(self, results: list[CheckResult], options: OutputOptions) -> str:
        body = MarkdownOutputter().render(results, options)
        if not body:
            return ""
        return fit(body if body.endswith("\n") else body + "\n", self.limit)

    def post_hint(self, path: str, results: list[CheckResult]) -> str:
        """What ``sentinel check`` prints on stderr after writing the annotation to ``path``."""
        return f"sentinel: post the Buildkite annotation with: {annotate_command(path, results)}"
