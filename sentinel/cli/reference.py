"""Render the CLI reference (every command and flag) as Markdown from the click definitions.

docs/cli.md embeds this between markers; a test fails when the embedded copy is stale.
"""

from __future__ import annotations

import click

from sentinel.cli import COMMANDS, main

BEGIN = "<!-- BEGIN GENERATED REFERENCE -->"
END = "<!-- END GENERATED REFERENCE -->"


def _option_row(param: click.Parameter) -> str:
    if isinstance(param, click.Argument):
        name = param.human_readable_name
        return f"| `{name}` | argument{' (repeatable)' if param.nargs == -1 else ''} | |"
    assert isinstance(param, click.Option)
    flags = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    help_text = (param.help or "").replace("|", "\\|")
    extras = []
    if isinstance(param.type, click.Choice):
        extras.append("one of " + ", ".join(f"`{c}`" for c in param.type.choices))
    if param.multiple:
        extras.append("repeatable")
    envvar = param.envvar if isinstance(param.envvar, str) else None
    if envvar:
        extras.append(f"env `{envvar}`")
    if _has_default(param) and not param.is_flag:
        default = param.default if not isinstance(param.default, tuple) else ", ".join(param.default)
        extras.append(f"default `{default}`")
    return f"| {flags} | {help_text} | {'; '.join(extras)} |"


def _has_default(param: click.Option) -> bool:
    """click 8.3+ marks "no default" with a sentinel object rather than None."""
    default = param.default
    return default not in (None, False, (), []) and type(default).__name__ != "Sentinel"


def render() -> str:
    ctx = click.Context(main)
    lines = [BEGIN, ""]
    for name in sorted(COMMANDS):
        command = main.get_command(ctx, name)
        assert command is not None
        summary = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
        lines += [
            f"### `sentinel {name}`",
            "",
            summary,
            "",
            "| flag | what it does | notes |",
            "|---|---|---|",
        ]
        for param in command.params:
            if param.name == "help":
                continue
            lines.append(_option_row(param))
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def embed(document: str) -> str:
    """``document`` with its generated section replaced by the current reference."""
    start, end = document.index(BEGIN), document.index(END) + len(END)
    return document[:start] + render() + document[end:]


if __name__ == "__main__":
    import sys
    from pathlib import Path

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/cli.md")
    target.write_text(embed(target.read_text(encoding="utf-8")), encoding="utf-8")
