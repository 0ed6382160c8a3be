"""Risk classification of agent steps: a decision table held as data in the shipped Rego library.

Risk is an annotation on a decision; it never changes allow or deny. The table, its resolved
ambiguities and the row ids are documented in ``docs/runtime.md`` ("Risk classification").
"""

from __future__ import annotations

from sentinel.runtime.risk.classifier import RiskClassifier, classify, default_classifier
from sentinel.runtime.risk.levels import RiskLevel, RiskResult

__all__ = ["RiskClassifier", "RiskLevel", "RiskResult", "classify", "default_classifier"]
