"""``sentinel parse``: print input files as the JSON that policies see, like ``conftest parse``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from sentinel import parsers
from sentinel.cli.options import config_option

# Go's encoding/json escapes these inside strings; conftest's output is Go's.
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _go_order(value: Any) -> Any:
    """Keys sorted and whole floats written as integers, as Go prints parsed documents."""
    if isinstance(value, dict):
        return {key: _go_order(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_go_order(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def go_json(value: Any, indent: str = "  ") -> str:
    """``value`` as conftest prints it: Go's ``json.MarshalIndent`` (two spaces; tabs for
    ``--combine``, which conftest formats apart and ends with a blank line)."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    if any(ch in text for ch in _GO_ESCAPES):
        text = "".join(_GO_ESCAPES.get(ch, ch) for ch in text)
    return text


def render(parsed: dict[str, Any], combined: bool) -> str:
    """The text ``sentinel parse`` prints for the parsed files (path -> document)."""
    if combined:
        entries = parsers.combine(parsed)
        documents = [{"path": e["path"], "contents": _go_order(e["contents"])} for e in entries]
        return go_json(documents, "\t") + "\n"
    if len(parsed) == 1:
        return go_json(_go_order(next(iter(parsed.values()))))
    return go_json(_go_order(parsed))


@click.command("parse")
@click.argument("files", nargs=-1, required=True)
@click.option("--parser", default=None, envvar="SENTINEL_PARSER",
              help="Parser for every file instead of choosing by file name: "
                   + ", ".join(parsers.names()) + ".")
@click.option("--combine", "combined", is_flag=True, envvar="SENTINEL_COMBINE",
              help="Print all files as one combined document, as `test --combine` evaluates them.")
@config_option
def parse(files: tuple[str, ...], parser: str | None, combined: bool, config: object) -> None:
    """Print FILES (or - for stdin) as the JSON documents policies receive, as conftest parse does.

    One file prints its document; several print an object keyed by file name; --combine prints
    the combined list of {"path", "contents"}. Exit code 2 when a file cannot be parsed.
    """
    if parser:
        parsers.get_parser(parser)
    parsed: dict[str, Any] = {}
    for path in files:
        if path == "-":
            data = parsers.read_limited(sys.stdin.buffer, parsers.DEFAULT_MAX_BYTES)
            parsed[path] = parsers.parse_stdin(data, parser)
        else:
            parsed[path] = parsers.parse_file(path, parser)
    click.echo(render(parsed, combined))
