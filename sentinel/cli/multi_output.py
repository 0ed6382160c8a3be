"""Several outputs from one run: ``-o table -o junit=report.xml -o sarif=out/results.sarif``.

conftest v0.71 takes one ``--output`` and points at ``conftest reformat`` for more; Sentinel
also takes ``FORMAT=PATH`` values, repeatable. At most one format goes to stdout (no ``=PATH``);
each file is written atomically and never through a symlink (sentinel.safe_write), and a path
that came from the repository's conftest.yml must stay inside the working directory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import click
from click.core import ParameterSource

from sentinel import outputs
from sentinel.cli.options import terminal_color
from sentinel.errors import UsageError
from sentinel.outputs.base import OutputOptions
from sentinel.runner.results import CheckResult
from sentinel.safe_write import Place, write_file

_USER_SOURCES = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)


@dataclass(frozen=True)
class OutputSpec:
    format: str
    path: str | None = None


def parse_outputs(values: tuple[str, ...] | str) -> list[OutputSpec]:
    """``FORMAT`` or ``FORMAT=PATH`` values, checked before anything runs."""
    items = (values,) if isinstance(values, str) else values
    specs: list[OutputSpec] = []
    for value in items or ("stdout",):
        name, sep, path = value.partition("=")
        outputs.get_outputter(name)
        if sep and not path:
            raise UsageError(f"--output {value!r}: give a file after '=' (FORMAT=PATH)")
        specs.append(OutputSpec(name, path or None))
    on_stdout = [s.format for s in specs if s.path is None]
    if len(on_stdout) > 1:
        raise UsageError(
            f"only one --output can go to stdout, got {', '.join(on_stdout)}; write the others to files "
            "with FORMAT=PATH"
        )
    paths = [s.path for s in specs if s.path]
    if len(paths) != len(set(paths)):
        raise UsageError("two --output values name the same file")
    return specs


def single_output(values: tuple[str, ...] | str, command: str) -> str:
    """The one stdout format of a command that writes no files (verify)."""
    specs = parse_outputs(values)
    if len(specs) != 1 or specs[0].path:
        raise UsageError(f"{command} takes one --output format, without =PATH")
    return specs[0].format


def emit_all(results: list[CheckResult], specs: list[OutputSpec], options: OutputOptions) -> None:
    ctx = click.get_current_context()
    confine = ctx.get_parameter_source("output") not in _USER_SOURCES
    color = terminal_color(options.no_color)
    options = replace(options, no_color=color is False)
    for spec in specs:
        text = outputs.get_outputter(spec.format).render(results, options)
        if spec.path is None:
            if text:
                click.echo(text, nl=not text.endswith("\n"), color=color)
            continue
        # A file's colour codes would be noise: files are rendered without colour.
        if not options.no_color and spec.format == "stdout":
            text = outputs.get_outputter(spec.format).render(results, replace(options, no_color=True))
        write_file(Path(spec.path), text.encode("utf-8"), Place(Path.cwd(), confine=confine))
        # A format that is posted by another program (buildkite) says how, on stderr.
        hint = getattr(outputs.get_outputter(spec.format), "post_hint", None)
        if hint is not None:
            click.echo(hint(spec.path, results), err=True)
