"""``sentinel baseline create|update``: record the current failures as known, with a reason each."""

from __future__ import annotations

from pathlib import Path

import click

from sentinel import baseline as baseline_io
from sentinel.check import CheckSettings, check_run
from sentinel.cli.check import user_place
from sentinel.cli.options import config_option, use_library, user_given
from sentinel.config import Config


def _common(func: click.decorators.FC) -> click.decorators.FC:
    for decorator in reversed([
        click.option("--base", default=None, envvar="SENTINEL_BASE", help="Base revision (diff kinds)."),
        click.option("-k", "--kinds", multiple=True, help="Extractor kinds (default: conftest.yml or all)."),
        click.option("-p", "--policy", multiple=True, envvar="SENTINEL_POLICY", help="Policy paths."),
        click.option("-d", "--data", multiple=True, envvar="SENTINEL_DATA", help="Data paths."),
        click.option(
            "-o",
            "--out",
            "baseline_file",
            default=None,
            help=f"Baseline file (default: conftest.yml's `baseline`, else {baseline_io.DEFAULT_BASELINE}).",
        ),
        click.option("--reason", default=baseline_io.DEFAULT_REASON, show_default=True,
                     help="Reason recorded for the findings added."),
        config_option,
    ]):
        func = decorator(func)
    return func


def _run(base: str | None, kinds: tuple[str, ...], policy: tuple[str, ...], data: tuple[str, ...],
         reason: str, config: Config) -> dict[str, baseline_io.Entry]:
    ctx = click.get_current_context()
    settings = CheckSettings(
        base=base,
        kinds=kinds,
        policy=user_given(ctx, "policy", policy),
        data=user_given(ctx, "data", data),
        use_library=use_library(ctx),
        use_baseline=False,
    )
    return baseline_io.entries_of(check_run(config, settings).results, settings.root, reason)


def _target(baseline_file: str | None, config: Config) -> Path:
    if baseline_file:
        return Path(baseline_file)
    configured = config.flags.get("baseline")
    named = configured if isinstance(configured, str) and configured else baseline_io.DEFAULT_BASELINE
    return Path(named)


@click.group("baseline")
def baseline() -> None:
    """Known findings that do not block: an existing repository starts green, new findings block."""


@baseline.command("create")
@_common
@click.option("--force", is_flag=True, help="Replace an existing baseline.")
def create(base: str | None, kinds: tuple[str, ...], policy: tuple[str, ...], data: tuple[str, ...],
           baseline_file: str | None, reason: str, config: Config, force: bool) -> None:
    """Evaluate like `check` and record every failure in the baseline file."""
    target = _target(baseline_file, config)
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; use `sentinel baseline update` (or --force)")
    entries = _run(base, kinds, policy, data, reason, config)
    baseline_io.write(target, entries, user_place(click.get_current_context(), "baseline_file"))
    click.echo(f"{target}: {len(entries)} findings recorded")


@baseline.command("update")
@_common
@click.option("--add-new", is_flag=True, help="Also record findings that are not in the baseline yet.")
def update(base: str | None, kinds: tuple[str, ...], policy: tuple[str, ...], data: tuple[str, ...],
           baseline_file: str | None, reason: str, config: Config, add_new: bool) -> None:
    """Drop fixed findings (keeping the others' reasons); add new ones only with --add-new."""
    target = _target(baseline_file, config)
    old = baseline_io.load(target)
    now = _run(base, kinds, policy, data, reason, config)
    kept = baseline_io.updated(old, now, add_new)
    baseline_io.write(target, kept, user_place(click.get_current_context(), "baseline_file"))
    fixed = len(set(old) - set(now))
    added = len(set(kept) - set(old))
    click.echo(f"{target}: {len(kept)} findings ({fixed} fixed and removed, {added} added)")
