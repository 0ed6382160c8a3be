"""Editions and feature flags: which runtime modules are on.

The edition comes from ``SENTINEL_EDITION`` (``community`` by default; an unknown value falls back to
community with a warning). Each edition turns on a fixed set of features; ``SENTINEL_FEATURE_<NAME>``
(``1/0``, ``true/false``, ``on/off``, ``yes/no``) overrides one feature either way. An override for a
feature that does not exist, or with a value that is not a boolean, is ignored with a warning.

Resolution is a pure function of the environment mapping it is given, so a service resolves once at
start-up and passes :class:`Features` to the modules that consult it; nothing here reads globals. The
warnings are returned, not logged: the caller (the CLI, a service's start-up) reports them once.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

EDITION_VARIABLE = "SENTINEL_EDITION"
FEATURE_PREFIX = "SENTINEL_FEATURE_"


class Edition(enum.Enum):
    COMMUNITY = "community"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class Feature(enum.Enum):
    DECISION_TRACE_V2 = "decision_trace_v2"
    RISK_CLASSIFICATION = "risk_classification"
    POLICY_PINNING = "policy_pinning"
    AUDIT_HASH_CHAIN = "audit_hash_chain"
    CLOUD_SYNC = "cloud_sync"
    DASHBOARD_API = "dashboard_api"


# Evidence and safety are never paywalled: every edition writes the v2 trace, classifies risk and
# chains the audit log. Pinning policies is a team feature; the cloud channel and the dashboard API
# need the central service, so only the enterprise edition turns them on by default.
EDITION_FEATURES: Mapping[Edition, frozenset[Feature]] = {
    Edition.COMMUNITY: frozenset(
        {Feature.DECISION_TRACE_V2, Feature.RISK_CLASSIFICATION, Feature.AUDIT_HASH_CHAIN}
    ),
    Edition.PRO: frozenset(
        {
            Feature.DECISION_TRACE_V2,
            Feature.RISK_CLASSIFICATION,
            Feature.AUDIT_HASH_CHAIN,
            Feature.POLICY_PINNING,
        }
    ),
    Edition.ENTERPRISE: frozenset(Feature),
}

_TRUE = frozenset({"1", "true", "on", "yes"})
_FALSE = frozenset({"0", "false", "off", "no"})


@dataclass(frozen=True)
class Features:
    """The resolved edition and flags, where each flag's value came from, and what was ignored."""

    edition: Edition
    flags: Mapping[Feature, bool]
    sources: Mapping[Feature, str]  # "edition" or the environment variable that set it
    warnings: tuple[str, ...] = field(default=())

    def enabled(self, feature: Feature) -> bool:
        return self.flags[feature]


def resolve(environ: Mapping[str, str]) -> Features:
    """The edition and feature flags that ``environ`` (usually ``os.environ``) asks for."""
    warnings: list[str] = []
    raw = environ.get(EDITION_VARIABLE, "").strip()
    edition = Edition.COMMUNITY
    if raw:
        try:
            edition = Edition(raw.lower())
        except ValueError:
            warnings.append(
                f"{EDITION_VARIABLE}={raw[:40]!r} is not an edition (community, pro, enterprise); "
                "using community"
            )
    base = EDITION_FEATURES[edition]
    flags = {feature: feature in base for feature in Feature}
    sources = {feature: "edition" for feature in Feature}
    for name in sorted(environ):
        if not name.startswith(FEATURE_PREFIX):
            continue
        wanted = name[len(FEATURE_PREFIX) :].lower()
        try:
            feature = Feature(wanted)
        except ValueError:
            warnings.append(f"{name[:80]}: no such feature flag; ignored")
            continue
        value = environ[name].strip().lower()
        if value in _TRUE:
            flags[feature] = True
        elif value in _FALSE:
            flags[feature] = False
        else:
            warnings.append(
                f"{name}: {environ[name][:40]!r} is not a boolean (1/0, true/false, on/off); ignored"
            )
            continue
        sources[feature] = name
    return Features(edition=edition, flags=flags, sources=sources, warnings=tuple(warnings))
