"""``sentinel check``: extract + test + report (the job ``make policy-check`` runs)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from click.core import ParameterSource

from sentinel import outputs
from sentinel import results_file as results_io
from sentinel.check import CheckSettings, check_run
from sentinel.cli.multi_output import emit_all, parse_outputs
from sentinel.cli.options import config_option, use_library, user_given
from sentinel.cli.test import limit_options
from sentinel.config import Config
from sentinel.extractors.cache import with_cache_flags
from sentinel.outputs.base import OutputOptions
from sentinel.progress import Progress, is_terminal
from sentinel.runner.results import exit_code
from sentinel.safe_write import Place

RESULTS_ENV = "SENTINEL_RESULTS_FILE"
_USER_SOURCES = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)


def user_place(ctx: click.Context, name: str) -> Place:
    """Where a path option may write: anywhere if the user named it (command line, environment),
    inside the working directory if it came from the repository's configuration."""
    return Place(Path.cwd(), confine=ctx.get_parameter_source(name) not in _USER_SOURCES)


class CheckCommand(click.Command):
    """Removes an earlier results file named on the command line or in the environment before
    anything else, before conftest.yml is even read: a check that fails at any point, including
    on a broken configuration, leaves no results file for the gate to trust."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        named = _named_results_file(self, ctx, args)
        if named:
            results_io.remove_stale(Path(named), Place(Path.cwd(), confine=False))
        return super().parse_args(ctx, args)


def _named_results_file(command: click.Command, ctx: click.Context, args: Sequence[str]) -> str | None:
    try:
        opts, _, _ = command.make_parser(ctx).parse_args(args=list(args))
    except click.UsageError:
        return None
    value = opts.get("results_file") or os.environ.get(RESULTS_ENV)
    return str(value) if value else None


@click.command("check", cls=CheckCommand)
@click.option("--base", default=None, envvar="SENTINEL_BASE", help="Base git revision for diff-aware kinds.")
@click.option("-k", "--kinds", multiple=True, help="Extractor kinds to run (default: conftest.yml or all).")
@click.option("--out", default=None, envvar="SENTINEL_OUT", help="Folder for the input documents.")
@click.option(
    "-p", "--policy", multiple=True, envvar="SENTINEL_POLICY", help="Policy paths (default: library, config)."
)
@click.option("-d", "--data", multiple=True, envvar="SENTINEL_DATA", help="Data paths (default from config).")
@click.option("-n", "--namespace", multiple=True, help="Namespaces (globs); default: all namespaces.")
@click.option(
    "-o",
    "--output",
    multiple=True,
    default=("stdout",),
    show_default=True,
    envvar="SENTINEL_OUTPUT",
    help=f"Output format: {', '.join(outputs.names())}; repeatable as FORMAT=PATH to write more "
    "formats to files.",
)
@click.option(
    "--results-file",
    default=None,
    envvar=RESULTS_ENV,
    help="Also write the results and a run record to this file, for `sentinel gate` (removed first).",
)
@click.option("--fail-on-warn", is_flag=True, envvar="SENTINEL_FAIL_ON_WARN", help="Exit 1 on warnings too.")
@click.option("--no-fail", is_flag=True, envvar="SENTINEL_NO_FAIL", help="Exit 0 even with failures.")
@click.option("--no-color", is_flag=True, envvar="SENTINEL_NO_COLOR", help="Disable colored output.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when the run passes.")
@click.option(
    "--verbose", is_flag=True, help="Print each step's time (per extractor kind, evaluation) on stderr."
)
@click.option(
    "--baseline",
    "baseline_file",
    default=None,
    envvar="SENTINEL_BASELINE",
    help="Findings baseline: its failures are reported as exceptions and do not block "
    "(default: conftest.yml's `baseline`, else .sentinel-baseline.json when present).",
)
@click.option(
    "--new-only",
    is_flag=True,
    envvar="SENTINEL_NEW_ONLY",
    help="Only failures absent at the merge base of --base and HEAD block; older ones are reported "
    "as exceptions (needs --base).",
)
@click.option("--no-cache", is_flag=True, envvar="SENTINEL_NO_CACHE", help="Do not use the extraction cache.")
@click.option("--cache-dir", default=None, envvar="SENTINEL_CACHE_DIR",
              help="Extraction cache folder (default .sentinel/cache); share it with a CI cache.")
@limit_options
@config_option
def check(
    base: str | None,
    kinds: tuple[str, ...],
    out: str | None,
    policy: tuple[str, ...],
    data: tuple[str, ...],
    namespace: tuple[str, ...],
    output: tuple[str, ...],
    results_file: str | None,
    fail_on_warn: bool,
    no_fail: bool,
    no_color: bool,
    quiet: bool,
    verbose: bool,
    baseline_file: str | None,
    new_only: bool,
    no_cache: bool,
    cache_dir: str | None,
    timeout: float,
    memory_limit: int,
    config: Config,
) -> None:
    """Extract this repository's facts, evaluate every policy, report. Exit 0/1/2 as `test`."""
    ctx = click.get_current_context()
    if new_only and not base:
        raise click.UsageError("--new-only needs --base REV: the revision whose failures are not new")
    results_place = user_place(ctx, "results_file")
    if results_file:
        results_io.remove_stale(Path(results_file), results_place)
    specs = parse_outputs(output)
    config.sections["extract"] = with_cache_flags(config.section("extract"), no_cache, cache_dir)
    settings = CheckSettings(
        base=base,
        kinds=kinds,
        out=out,
        policy=user_given(ctx, "policy", policy),
        data=user_given(ctx, "data", data),
        namespace=namespace,
        confine_out=user_place(ctx, "out").confine,
        use_library=use_library(ctx),
        timeout=timeout,
        memory_limit=memory_limit,
        baseline=baseline_file,
        new_only=new_only,
    )
    with Progress(sys.stderr, live=not quiet and is_terminal(sys.stderr), verbose=verbose) as progress:
        run = check_run(config, settings, progress)
    results = run.results
    if results_file:
        results_io.write(Path(results_file), run.record, results, results_place)
    emit_all(
        results,
        specs,
        OutputOptions(no_color=no_color, quiet=quiet, fail_on_warn=fail_on_warn, notices=run.notices),
    )
    sys.exit(exit_code(results, fail_on_warn=fail_on_warn, no_fail=no_fail))
