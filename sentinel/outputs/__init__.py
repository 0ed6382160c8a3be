"""Output formats: one module per format, picked by name (conftest's ``--output``)."""

from __future__ import annotations

import importlib

from sentinel.errors import UsageError
from sentinel.outputs.base import OutputOptions, Outputter
from sentinel.runner.results import CheckResult

# Format -> "module:class", imported on first use: `sentinel test -o json` does not pay for the
# SARIF writer's imports (configuration discovery, JSON Schema) at start-up.
FORMATS: dict[str, str] = {
    "stdout": "sentinel.outputs.stdout:StdoutOutputter",
    "json": "sentinel.outputs.json:JsonOutputter",
    "tap": "sentinel.outputs.tap:TapOutputter",
    "table": "sentinel.outputs.table:TableOutputter",
    "junit": "sentinel.outputs.junit:JunitOutputter",
    "github": "sentinel.outputs.github:GithubOutputter",
    "sarif": "sentinel.outputs.sarif:SarifOutputter",
    "markdown": "sentinel.outputs.markdown:MarkdownOutputter",
    "codeclimate": "sentinel.outputs.codeclimate:CodeclimateOutputter",
    "buildkite": "sentinel.outputs.buildkite:BuildkiteOutputter",
}

__all__ = ["FORMATS", "OutputOptions", "Outputter", "get_outputter", "names", "render"]


def names() -> list[str]:
    return list(FORMATS)


def get_outputter(name: str) -> Outputter:
    target = FORMATS.get(name)
    if target is None:
        raise UsageError(f"unknown output format {name!r}; choose one of: {', '.join(FORMATS)}")
    module_name, class_name = target.split(":")
    outputter: type[Outputter] = getattr(importlib.import_module(module_name), class_name)
    return outputter()


def render(name: str, results: list[CheckResult], options: OutputOptions | None = None) -> str:
    return get_outputter(name).render(results, options or OutputOptions())
