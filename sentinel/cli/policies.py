"""``sentinel policies list``: every rule of the evaluated policies and whether it can fire here
(``active``, ``inert`` or ``off``; see sentinel.rule_states)."""

from __future__ import annotations

import json

import click

from sentinel import library
from sentinel.cli.options import config_option, resolve_paths
from sentinel.config import Config
from sentinel.rule_states import rule_states
from sentinel.runner.loader import load_data


@click.group("policies")
def policies() -> None:
    """Inspect the rule library and the repository's own policies."""


@policies.command("list")
@click.option("-p", "--policy", multiple=True, envvar="SENTINEL_POLICY",
              help="Policy paths (default: the shipped library plus the config's `policy`).")
@click.option("-d", "--data", multiple=True, envvar="SENTINEL_DATA", help="Data paths (default from config).")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@config_option
def list_command(policy: tuple[str, ...], data: tuple[str, ...], output: str, config: Config) -> None:
    """Every rule with its state: active, inert (and the parameter it needs) or off."""
    paths = resolve_paths(policy, data)
    effective = library.overlay(
        load_data(list(paths.default_data)), load_data(list(paths.data)), paths.data_config
    )
    states = rule_states(paths.policy, effective)
    if output == "json":
        click.echo(json.dumps([s.to_json() for s in states], indent=2))
        return
    width = max((len(s.rule) for s in states), default=4)
    click.echo(f"{'RULE':<{width}}  {'KIND':<9}  {'SEVERITY':<8}  STATE")
    for s in states:
        detail = f" ({s.detail})" if s.detail else ""
        click.echo(f"{s.rule:<{width}}  {s.kind:<9}  {s.severity:<8}  {s.state}{detail}")
    counts = {name: sum(1 for s in states if s.state == name) for name in ("active", "inert", "off")}
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    click.echo(f"\n{len(states)} rules: {summary}")
