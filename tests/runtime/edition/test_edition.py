"""Editions and feature flags resolve from the environment they are given, and nothing else."""

from __future__ import annotations

import pytest

from sentinel.runtime.edition import EDITION_FEATURES, Edition, Feature, resolve


def test_without_variables_the_edition_is_community() -> None:
    features = resolve({})
    assert features.edition is Edition.COMMUNITY
    assert features.warnings == ()


@pytest.mark.parametrize(
    ("value", "edition"),
    [("pro", Edition.PRO), ("ENTERPRISE", Edition.ENTERPRISE), (" community ", Edition.COMMUNITY)],
)
def test_the_edition_comes_from_sentinel_edition(value: str, edition: Edition) -> None:
    assert resolve({"SENTINEL_EDITION": value}).edition is edition


def test_an_invalid_edition_falls_back_to_community_with_a_warning() -> None:
    features = resolve({"SENTINEL_EDITION": "platinum"})
    assert features.edition is Edition.COMMUNITY
    assert len(features.warnings) == 1
    assert "platinum" in features.warnings[0] and "community" in features.warnings[0]


def test_each_edition_turns_on_its_features_and_only_those() -> None:
    community = resolve({}).flags
    assert community == {
        f: f in {Feature.DECISION_TRACE_V2, Feature.RISK_CLASSIFICATION, Feature.AUDIT_HASH_CHAIN}
        for f in Feature
    }
    assert resolve({"SENTINEL_EDITION": "pro"}).flags[Feature.POLICY_PINNING] is True
    assert resolve({"SENTINEL_EDITION": "pro"}).flags[Feature.CLOUD_SYNC] is False
    assert all(resolve({"SENTINEL_EDITION": "enterprise"}).flags.values())
    # Each edition includes the one below it.
    assert (
        EDITION_FEATURES[Edition.COMMUNITY]
        < EDITION_FEATURES[Edition.PRO]
        < EDITION_FEATURES[Edition.ENTERPRISE]
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        ("ON", True),
        ("yes", True),
        ("0", False),
        ("false", False),
        ("off", False),
        ("No", False),
    ],
)
def test_a_feature_variable_overrides_the_edition_either_way(value: str, expected: bool) -> None:
    features = resolve({"SENTINEL_FEATURE_CLOUD_SYNC": value, "SENTINEL_FEATURE_RISK_CLASSIFICATION": value})
    assert features.flags[Feature.CLOUD_SYNC] is expected
    assert features.flags[Feature.RISK_CLASSIFICATION] is expected
    assert features.sources[Feature.CLOUD_SYNC] == "SENTINEL_FEATURE_CLOUD_SYNC"
    assert features.enabled(Feature.CLOUD_SYNC) is expected


def test_an_unknown_flag_is_ignored_with_a_warning() -> None:
    features = resolve({"SENTINEL_FEATURE_TELEPORT": "1"})
    assert features.flags == resolve({}).flags
    assert features.warnings == ("SENTINEL_FEATURE_TELEPORT: no such feature flag; ignored",)


def test_a_value_that_is_not_a_boolean_is_ignored_with_a_warning() -> None:
    features = resolve({"SENTINEL_FEATURE_CLOUD_SYNC": "maybe"})
    assert features.flags[Feature.CLOUD_SYNC] is False
    assert features.sources[Feature.CLOUD_SYNC] == "edition"
    assert "not a boolean" in features.warnings[0]


def test_other_variables_are_not_read() -> None:
    assert resolve({"SENTINEL_FEATURES": "cloud_sync", "CLOUD_SYNC": "1"}) == resolve({})
