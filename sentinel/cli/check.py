"""``sentinel check``: extract + test + report (the job ``make policy-check`` runs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sentinel import outputs
from sentinel.check import CheckSettings, run_check
from sentinel.cli.options import config_option
from sentinel.cli.test import emit
from sentinel.config import Config
from sentinel.outputs.base import OutputOptions
from sentinel.runner.results import exit_code


@click.command("check")
@click.option("--base", default=None, envvar="SENTINEL_BASE", help="Base git revision for diff-aware kinds.")
@click.option("-k", "--kinds", multiple=True, help="Extractor kinds to run (default: conftest.yml or all).")
@click.option("--out", default=None, envvar="SENTINEL_OUT", help="Folder for the input documents.")
@click.option(
    "-p", "--policy", multiple=True, envvar="SENTINEL_POLICY", help="Policy paths (default from config)."
)
@click.option("-d", "--data", multiple=True, envvar="SENTINEL_DATA", help="Data paths (default from config).")
@click.option("-n", "--namespace", multiple=True, help="Namespaces (globs); default: all namespaces.")
@click.option(
    "-o",
    "--output",
    default="stdout",
    show_default=True,
    envvar="SENTINEL_OUTPUT",
    help=f"Output format: {', '.join(outputs.names())}.",
)
@click.option(
    "--results-file",
    default=None,
    envvar="SENTINEL_RESULTS_FILE",
    help="Also write the results as conftest JSON to this file (for the bot).",
)
@click.option("--fail-on-warn", is_flag=True, envvar="SENTINEL_FAIL_ON_WARN", help="Exit 1 on warnings too.")
@click.option("--no-fail", is_flag=True, envvar="SENTINEL_NO_FAIL", help="Exit 0 even with failures.")
@click.option("--no-color", is_flag=True, envvar="SENTINEL_NO_COLOR", help="Disable colored output.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when the run passes.")
@config_option
def check(
    base: str | None,
    kinds: tuple[str, ...],
    out: str | None,
    policy: tuple[str, ...],
    data: tuple[str, ...],
    namespace: tuple[str, ...],
    output: str,
    results_file: str | None,
    fail_on_warn: bool,
    no_fail: bool,
    no_color: bool,
    quiet: bool,
    config: Config,
) -> None:
    """Extract this repository's facts, evaluate every policy, report. Exit 0/1/2 as `test`."""
    outputs.get_outputter(output)
    settings = CheckSettings(base=base, kinds=kinds, out=out, policy=policy, data=data, namespace=namespace)
    results = run_check(config, settings)
    if results_file:
        Path(results_file).write_text(json.dumps([r.to_json() for r in results], indent="\t") + "\n")
    emit(results, output, OutputOptions(no_color=no_color, quiet=quiet, fail_on_warn=fail_on_warn))
    sys.exit(exit_code(results, fail_on_warn=fail_on_warn, no_fail=no_fail))
