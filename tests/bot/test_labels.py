"""Labels: derived from findings, and only the bot's own labels are ever added or removed."""

from __future__ import annotations

from sentinel.bot.findings import Finding
from sentinel.bot.labels import desired_labels, plan_labels
from sentinel.bot.settings import LabelSettings


def _finding(rule: str, category: str, blocking: bool = True) -> Finding:
    return Finding(rule, category, "error", "m", blocking)


def test_a_blocking_finding_wants_the_block_label() -> None:
    assert desired_labels([_finding("arch.layers", "arch")], LabelSettings()) == ["sentinel-block"]


def test_testing_and_spec_categories_map_to_their_labels() -> None:
    found = [
        _finding("testing.sleep", "testing", False),
        _finding("proto.FIELD_NO_DELETE", "protocol", False),
    ]
    assert desired_labels(found, LabelSettings()) == ["needs-spec", "needs-tests"]


def test_warnings_can_be_excluded_from_labels() -> None:
    found = [_finding("testing.sleep", "testing", False)]
    assert desired_labels(found, LabelSettings(include_warnings=False)) == []


def test_a_rule_glob_maps_to_a_label() -> None:
    settings = LabelSettings(mapping={"tenancy.*": "needs-tenancy-review"})
    assert desired_labels([_finding("tenancy.key_without_tenant", "security", False)], settings) == [
        "needs-tenancy-review"
    ]


def test_the_plan_removes_owned_labels_no_longer_wanted_and_keeps_others() -> None:
    plan = plan_labels(["bug", "sentinel-block", "needs-tests"], ["needs-tests"], LabelSettings())
    assert (plan.add, plan.remove) == ([], ["sentinel-block"])


def test_label_names_compare_case_insensitively() -> None:
    plan = plan_labels(["Sentinel-Block"], ["sentinel-block"], LabelSettings())
    assert plan.empty


def test_a_disabled_block_label_is_not_owned() -> None:
    settings = LabelSettings(block=None)
    assert "sentinel-block" not in settings.owned
    assert plan_labels(["sentinel-block"], [], settings).empty
