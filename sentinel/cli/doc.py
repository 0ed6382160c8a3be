"""``sentinel doc``: policy documentation from the ``# METADATA`` annotations, like ``conftest doc``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sentinel.cli.options import config_option, resolve_paths
from sentinel.config import Config
from sentinel.docs_gen import collect, render
from sentinel.errors import UsageError
from sentinel.safe_write import Place, write_file

DEFAULT_POLICY = "policy-as-code/policies"
DEFAULT_OUTPUT = "docs/policies.md"


@click.command("doc")
@click.option("-p", "--policy", multiple=True, envvar="SENTINEL_POLICY",
              help="Path to Rego policies (repeatable; default: the shipped library plus the config's "
              "`policy`, else policy-as-code/policies).")
@click.option("-o", "--output", "output", default=DEFAULT_OUTPUT, show_default=True,
              help="Markdown file to write, or - for stdout.")
@click.option("--title", default="Sentinel policies", show_default=True, help="Title of the document.")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 when the output file differs from what would be generated.")
@config_option
def doc(policy: tuple[str, ...], output: str, title: str, check: bool, config: Config) -> None:
    """Render the policies' annotations (title, description, custom id/severity/input/data/fix)."""
    text = render(collect(list(resolve_paths(policy, ()).policy)), title=title, root=Path.cwd())
    if output == "-":
        if check:
            raise UsageError("--check needs an output file, not -")
        click.echo(text, nl=False)
        return
    target = Path(output)
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            click.echo(f"{output} is out of date: run `sentinel doc -o {output}`", err=True)
            sys.exit(1)
        click.echo(f"{output} is up to date", err=True)
        return
    # Atomic, and no symlink followed: a committed link at docs/policies.md must not redirect it.
    write_file(target, text.encode("utf-8"), Place(Path.cwd(), confine=False))
    click.echo(f"wrote {output}", err=True)
