"""``sentinel reformat``: conftest's ``reformat`` (results JSON from a file or stdin, in any format).

As conftest does, only the first FILE is read (stdin without one), the results are printed in
the chosen format and the exit code is 0 whatever they hold: this reformats, it does not judge.
Unlike conftest, an unknown format is refused (conftest falls back to stdout) and malformed
results exit 2.
"""

from __future__ import annotations

import json
import sys

import click

from sentinel import outputs, parsers
from sentinel.bot.findings import parse_results
from sentinel.cli.test import emit
from sentinel.errors import SentinelError
from sentinel.outputs.base import OutputOptions
from sentinel.runner.evaluate import DEFAULT_MAX_INPUT_BYTES


@click.command("reformat")
@click.argument("files", nargs=-1)
@click.option(
    "-o",
    "--output",
    default="stdout",
    show_default=True,
    envvar="SENTINEL_OUTPUT",
    help=f"Output format: {', '.join(outputs.names())}.",
)
def reformat(files: tuple[str, ...], output: str) -> None:
    """Print conftest/Sentinel results JSON (FILE, or stdin) in another output format."""
    outputs.get_outputter(output)
    source = files[0] if files else "-"
    if source == "-":
        raw = parsers.read_limited(sys.stdin.buffer, DEFAULT_MAX_INPUT_BYTES)
    else:
        raw = parsers.read_regular_file(source, DEFAULT_MAX_INPUT_BYTES)
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SentinelError(f"results are not valid JSON: {exc}", file=source) from exc
    emit(parse_results(document, source), output, OutputOptions())
