"""`sentinel serve` consults the feature flags when it loads its policies (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.runtime.api.server import ServeConfig, load_decider
from sentinel.runtime.decision import DecisionRequest

RISK = {"prompt_type": "question", "confidence": "high", "action": "execute", "session_tags": []}


@pytest.mark.parametrize(("value", "expected"), [(None, "high"), ("off", None), ("on", "high")])
def test_risk_classification_flag_decides_whether_decisions_carry_a_risk_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str | None
) -> None:
    (tmp_path / "p.rego").write_text('package sentinel.decision\n\ndeny contains "no" if input.x\n')
    monkeypatch.delenv("SENTINEL_EDITION", raising=False)
    if value is None:
        monkeypatch.delenv("SENTINEL_FEATURE_RISK_CLASSIFICATION", raising=False)
    else:
        monkeypatch.setenv("SENTINEL_FEATURE_RISK_CLASSIFICATION", value)
    decider = load_decider(ServeConfig(policy_dirs=(str(tmp_path),)))
    decision = decider.evaluate(
        DecisionRequest(tenant="t", subject="s", action="read", resource="r", context={"risk": RISK})
    )
    assert decision.decision == "allow"
    assert decision.risk_level == expected
