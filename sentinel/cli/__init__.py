"""The ``sentinel`` console script: one click group, one module per command."""

from __future__ import annotations

import sys

import click

from sentinel import __version__
from sentinel.errors import SentinelError


class SentinelGroup(click.Group):
    """Turns SentinelError into one clear line on stderr and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SentinelError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=SentinelGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sentinel")
def main() -> None:
    """Sentinel: extract repository facts, evaluate Rego policies, report to pull requests.

    Exit codes: 0 clean, 1 policy failures (or warnings with --fail-on-warn), 2 errors.
    """


def _register() -> None:
    from sentinel.cli.parse import parse
    from sentinel.cli.test import test
    from sentinel.cli.verify import verify

    for command in (test, verify, parse):
        main.add_command(command)


_register()
