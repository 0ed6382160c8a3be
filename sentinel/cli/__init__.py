"""The ``sentinel`` console script: one click group, one module per command."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Any, NoReturn

import click

from sentinel import __version__
from sentinel.errors import SentinelError
from sentinel.extractors.errors import ExtractorError

# Command name -> "module:attribute". Commands are imported only when run (or listed by --help), so
# `sentinel test` does not pay for PyGithub or the extractors' parsers at start-up.
COMMANDS: dict[str, str] = {
    "test": "sentinel.cli.test:test",
    "verify": "sentinel.cli.verify:verify",
    "parse": "sentinel.cli.parse:parse",
    "reformat": "sentinel.cli.reformat:reformat",
    "extract": "sentinel.cli.extract:extract",
    "check": "sentinel.cli.check:check",
    "baseline": "sentinel.cli.baseline:baseline",
    "doc": "sentinel.cli.doc:doc",
    "init": "sentinel.cli.init:init",
    "document": "sentinel.cli.document:document",
    "policies": "sentinel.cli.policies:policies",
    "comment": "sentinel.cli.bot:comment",
    "gate": "sentinel.cli.bot:gate",
    "pr-rules": "sentinel.cli.bot:pr_rules_command",
    "trace": "sentinel.cli.trace:trace",
    "audit": "sentinel.cli.trace:audit",
    "gitlab-note": "sentinel.cli.gitlab:gitlab_note",
    "bundle": "sentinel.cli.bundle:bundle",
    "serve": "sentinel.cli.serve:serve",
    "eval": "sentinel.cli.eval:eval_command",
    "edition": "sentinel.cli.edition:edition",
    "features": "sentinel.cli.edition:features",
    "policy": "sentinel.cli.policy:policy",
    "token": "sentinel.cli.token:token",
    "cloud": "sentinel.cli.cloud:cloud",
}


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``sentinel, version X (engine regorus Y)``: the engine's version is read only when asked."""
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        engine = f"regorus {version('gordon-to-regorus')}"
    except PackageNotFoundError:
        engine = "regorus (version unknown)"
    click.echo(f"sentinel, version {__version__} (engine {engine})")
    ctx.exit()


EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C


def _interrupted() -> NoReturn:
    click.echo("Error: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


class SentinelGroup(click.Group):
    """Lazy subcommands; SentinelError (and the extractors' ExtractorError) becomes one clear line
    on stderr and exit code 2; Ctrl-C (SIGINT) exits 130 with one line, never click's "Aborted!"
    and exit 1 (a policy failure)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except KeyboardInterrupt:
            _interrupted()

    def main(self, args: Any = None, *rest: Any, **extra: Any) -> Any:
        """As the console script (arguments from ``sys.argv``), tune the garbage collector first:
        start-up and extraction allocate millions of objects that live until the process ends, and
        the default thresholds scan them over and over (measured: 11% of a check's CPU).
        ``gc.freeze`` moves what exists now (imported modules) out of every later scan. Callers
        that pass ``args`` (tests, embedding programs) keep their own settings."""
        if args is None:
            gc.freeze()
            gc.set_threshold(100_000, 50, 100)
        return super().main(args, *rest, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _interrupted()
        except (SentinelError, ExtractorError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:
            # Fail closed: a crash is an error (2), never a pass and never mistaken for a policy
            # failure (1). SENTINEL_DEBUG=1 shows the traceback.
            if os.environ.get("SENTINEL_DEBUG"):
                raise
            click.echo(
                f"Error: internal error: {type(exc).__name__}: {exc} (set SENTINEL_DEBUG=1 for details)",
                err=True,
            )
            sys.exit(2)


@click.group(cls=SentinelGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-v",
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_print_version,
    help="Show Sentinel's version and its Rego engine's, and exit.",
)
@click.option(
    "-c",
    "--config-file",
    "root_config",
    default=None,
    help="Configuration file for the command (as conftest's global flag; the command's own -c wins).",
)
@click.pass_context
def main(ctx: click.Context, root_config: str | None) -> None:
    """Sentinel: extract repository facts, evaluate Rego policies, report to pull requests.

    Exit codes: 0 clean, 1 policy failures (or warnings with --fail-on-warn), 2 errors.
    """
    ctx.meta["sentinel.root_config"] = root_config
