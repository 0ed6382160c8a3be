"""The composite action, the workflow and the documented configuration agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

import click
import yaml

from sentinel.bot.settings import BotSettings, load_settings
from sentinel.cli import main
from sentinel.config import Config

ROOT = Path(__file__).resolve().parents[2]


def _flags(command: str) -> set[str]:
    cmd = main.get_command(click.Context(main), command)
    assert cmd is not None
    return {opt for param in cmd.params for opt in getattr(param, "opts", [])}


def test_the_action_passes_only_flags_the_commands_have() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    scripts = {step.get("id"): step.get("run", "") for step in action["runs"]["steps"]}
    for step_id, command in (("check", "check"), ("gate", "gate")):
        used = set(
            re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", scripts[step_id].split(f"sentinel {command}")[0])
        )
        used -= {"-e", "-n", "-z", "--no-tags", "--quiet"}
        assert used <= _flags(command), (command, used - _flags(command))


def test_the_workflow_listens_for_the_default_recheck_command() -> None:
    workflow = (ROOT / ".github/workflows/sentinel.yml").read_text(encoding="utf-8")
    assert f"startsWith(github.event.comment.body, '{BotSettings().recheck_command}')" in workflow


def test_the_documented_configuration_is_valid() -> None:
    doc = (ROOT / "docs/github.md").read_text(encoding="utf-8")
    section = doc.split("## Configuration", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    raw = yaml.safe_load(block)
    settings = load_settings(Config(path=ROOT / "conftest.yml", sections={"bot": raw["bot"]}))
    assert "needs-tenancy-review" in settings.labels.owned
    assert settings.spec is not None
