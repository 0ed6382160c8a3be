"""``sentinel policies list``: every rule of the evaluated policies and whether it can fire here.

A rule is ``active``; ``inert`` when a parameter it needs (``custom.requires`` in its METADATA) is
empty in the effective data (library defaults, data files, conftest.yml), so it can never report
anything; or ``off`` when conftest.yml's ``disable`` (or an exception without paths) switches it off.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import click

from sentinel import library
from sentinel.cli.options import config_option, resolve_paths
from sentinel.config import Config
from sentinel.docs_gen import collect
from sentinel.runner.loader import load_data

_MISSING = object()


@dataclass(frozen=True)
class RuleState:
    rule: str
    kind: str
    severity: str
    state: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "kind": self.kind, "severity": self.severity,
                "state": self.state, "detail": self.detail}


def _lookup(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _empty(value: Any) -> bool:
    return value is _MISSING or value is None or value in ([], {}, "")


def _switched_off(rule: str, data: dict[str, Any]) -> str | None:
    disabled = _lookup(data, "sentinel.disabled")
    if isinstance(disabled, list) and rule in disabled:
        return "disabled in the configuration"
    entries = _lookup(data, "sentinel.exceptions")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("rule") == rule and entry.get("paths") is None:
            return f"exception until {entry.get('expires')}: {entry.get('reason')}"
    return None


def rule_states(policy: tuple[str, ...], data: dict[str, Any]) -> list[RuleState]:
    states: dict[str, RuleState] = {}
    for ann in collect(list(policy)):
        if not ann.kind:
            continue
        rule = str(ann.custom.get("id", ann.path))
        off = _switched_off(rule, data)
        requires = ann.custom.get("requires") or []
        missing = [key for key in requires if _empty(_lookup(data, str(key)))]
        if off:
            state, detail = "off", off
        elif missing:
            state, detail = "inert", "needs " + ", ".join(f"data.{key}" for key in missing)
        else:
            state, detail = "active", ""
        previous = states.get(rule)
        kind = ann.kind if previous is None or previous.kind == ann.kind else "deny/warn"
        states[rule] = RuleState(rule, kind, str(ann.custom.get("severity", "-")), state, detail)
    return sorted(states.values(), key=lambda s: s.rule)


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
