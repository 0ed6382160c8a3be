"""The `bot` section of conftest.yml: defaults and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.bot.settings import BotSettings, load_settings
from sentinel.config import Config
from sentinel.errors import SentinelError


def _settings(bot: dict[str, object]) -> BotSettings:
    return load_settings(Config(path=Path("/repo/conftest.yml"), sections={"bot": bot}))


def test_defaults_own_the_three_standard_labels() -> None:
    assert _settings({}).labels.owned == ["needs-spec", "needs-tests", "sentinel-block"]


def test_a_comment_id_changes_the_marker() -> None:
    assert _settings({"comment_id": "api"}).marker == "<!-- sentinel:comment:api -->"


def test_a_default_mapping_can_be_removed_with_null() -> None:
    assert "coverage" not in _settings({"labels": {"map": {"coverage": None}}}).labels.mapping


def test_the_comment_limit_cannot_be_raised_above_githubs() -> None:
    assert _settings({"max_comment_chars": 100_000}).max_comment_chars == 65_536


def test_review_comments_are_off_unless_asked_for() -> None:
    assert _settings({}).review_comments == "off"
    assert _settings({"review_comments": "diff-context"}).review_comments == "diff_context"


def test_spec_rules_are_off_without_code_paths() -> None:
    assert _settings({"spec": {"spec_paths": ["docs/**"]}}).spec is None


@pytest.mark.parametrize(
    ("bot", "message"),
    [
        ({"on_clean": "vanish"}, "bot.on_clean must be one of all_clear, delete"),
        (
            {"labels": {"definitions": {"x": {"color": "red"}}}},
            "bot.labels.definitions.x.color must be a 6-digit hex",
        ),
        (
            {"spec": {"code_paths": ["src/**"], "required_sections": ["("]}},
            "bot.spec.required_sections must be",
        ),
        ({"api": {"retries": -1}}, "bot.api.retries must be an integer >= 0"),
        ({"comment_id": "a b"}, "bot.comment_id must be letters"),
        ({"review_comments": "file"}, "bot.review_comments must be one of added, diff_context, off"),
    ],
)
def test_invalid_settings_name_the_key_and_file(bot: dict[str, object], message: str) -> None:
    with pytest.raises(SentinelError) as info:
        _settings(bot)
    assert message in str(info.value)
    assert str(info.value).startswith("/repo/conftest.yml: ")
