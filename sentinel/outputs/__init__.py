"""Output formats: one module per format, picked by name (conftest's ``--output``)."""

from __future__ import annotations

from sentinel.errors import UsageError
from sentinel.outputs.base import OutputOptions, Outputter
from sentinel.outputs.github import GithubOutputter
from sentinel.outputs.json import JsonOutputter
from sentinel.outputs.junit import JunitOutputter
from sentinel.outputs.markdown import MarkdownOutputter
from sentinel.outputs.sarif import SarifOutputter
from sentinel.outputs.stdout import StdoutOutputter
from sentinel.outputs.table import TableOutputter
from sentinel.outputs.tap import TapOutputter
from sentinel.runner.results import CheckResult

FORMATS: dict[str, type[Outputter]] = {
    "stdout": StdoutOutputter,
    "json": JsonOutputter,
    "tap": TapOutputter,
    "table": TableOutputter,
    "junit": JunitOutputter,
    "github": GithubOutputter,
    "sarif": SarifOutputter,
    "markdown": MarkdownOutputter,
}

__all__ = ["FORMATS", "OutputOptions", "Outputter", "get_outputter", "names", "render"]


def names() -> list[str]:
    return list(FORMATS)


def get_outputter(name: str) -> Outputter:
    try:
        return FORMATS[name]()
    except KeyError:
        raise UsageError(f"unknown output format {name!r}; choose one of: {', '.join(FORMATS)}") from None


def render(name: str, results: list[CheckResult], options: OutputOptions | None = None) -> str:
    return get_outputter(name).render(results, options or OutputOptions())
