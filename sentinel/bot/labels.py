"""Labels that always match the current findings, touching only the labels the bot owns.

``sentinel-block`` when any blocking finding exists; other labels from ``bot.labels.map``,
whose keys are categories (``testing``) or rule-id globs (``proto.*``). GitHub compares label
names case-insensitively, and so does this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from sentinel.bot.findings import Finding
from sentinel.bot.github_port import GitHubPort, NotFound
from sentinel.bot.settings import LabelSettings


def matches(key: str, finding: Finding) -> bool:
    return key.lower() == finding.category or fnmatchcase(finding.rule, key)


def desired_labels(findings: list[Finding], settings: LabelSettings) -> list[str]:
    wanted: set[str] = set()
    if settings.block and any(f.blocking for f in findings):
        wanted.add(settings.block)
    considered = [f for f in findings if f.blocking or settings.include_warnings]
    for key, label in settings.mapping.items():
        if any(matches(key, f) for f in considered):
            wanted.add(label)
    return sorted(wanted)


@dataclass
class LabelPlan:
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.add and not self.remove

    def describe(self) -> str:
        parts = [f"+{n}" for n in self.add] + [f"-{n}" for n in self.remove]
        return " ".join(parts) if parts else "unchanged"


def plan_labels(current: list[str], desired: list[str], settings: LabelSettings) -> LabelPlan:
    """What to add and remove; labels outside ``settings.owned`` are never in the plan."""
    have = {name.lower(): name for name in current}
    want = {name.lower() for name in desired}
    owned = {name.lower() for name in settings.owned} | want
    add = [name for name in desired if name.lower() not in have]
    remove = sorted(name for low, name in have.items() if low in owned and low not in want)
    return LabelPlan(add=add, remove=remove)


def sync_labels(
    port: GitHubPort, number: int, current: list[str], desired: list[str], settings: LabelSettings
) -> LabelPlan:
    """Apply the plan: create missing repository labels once, add in one request, remove one by one."""
    plan = plan_labels(current, desired, settings)
    if plan.add:
        existing = {name.lower() for name in port.list_repo_labels()}
        for name in plan.add:
            if name.lower() not in existing:
                label = settings.definition(name)
                port.create_label(label.name, label.color, label.description)
        port.add_labels(number, plan.add)
    for name in plan.remove:
        try:
            port.remove_label(number, name)
        except NotFound:
            continue
    return plan
