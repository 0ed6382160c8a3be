"""Whether each rule of the evaluated policies can fire with the effective data.

A rule is ``active``; ``inert`` when a parameter it needs (``custom.requires`` in its METADATA) is
empty in the effective data (library defaults, data files, conftest.yml), so it can never report
anything; or ``off`` when conftest.yml's ``disable`` (or an exception without paths) switches it off.
``sentinel policies list`` shows every state; ``sentinel check`` reports inert rules once per run as
"not configured" notices, so a rule that cannot fire is never mistaken for a rule that passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sentinel.docs_gen import collect

_MISSING = object()


@dataclass(frozen=True)
class RuleState:
    rule: str
    kind: str
    severity: str
    state: str
    detail: str
    # The data keys (dotted, without ``data.``) an inert rule needs.
    missing: tuple[str, ...] = ()

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "kind": self.kind, "severity": self.severity,
                "state": self.state, "detail": self.detail}

    @property
    def notice(self) -> str:
        """The one line ``check`` reports for an inert rule."""
        return f"{self.rule}: not configured, needs " + ", ".join(f"data.{key}" for key in self.missing)


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


def rule_states(policy: Sequence[str], data: dict[str, Any]) -> list[RuleState]:
    """Every rule (by ``custom.id``) of the policies at ``policy``, sorted by rule id."""
    states: dict[str, RuleState] = {}
    for ann in collect(list(policy)):
        if not ann.kind:
            continue
        rule = str(ann.custom.get("id", ann.path))
        off = _switched_off(rule, data)
        requires = ann.custom.get("requires") or []
        missing = tuple(str(key) for key in requires if _empty(_lookup(data, str(key))))
        if off:
            state, detail, missing = "off", off, ()
        elif missing:
            state, detail = "inert", "needs " + ", ".join(f"data.{key}" for key in missing)
        else:
            state, detail = "active", ""
        previous = states.get(rule)
        kind = ann.kind if previous is None or previous.kind == ann.kind else "deny/warn"
        states[rule] = RuleState(rule, kind, str(ann.custom.get("severity", "-")), state, detail, missing)
    return sorted(states.values(), key=lambda s: s.rule)


def not_configured(policy: Sequence[str], data: dict[str, Any]) -> tuple[str, ...]:
    """One notice per inert rule: ``"<rule>: not configured, needs data.<key>"``."""
    return tuple(s.notice for s in rule_states(policy, data) if s.state == "inert")
