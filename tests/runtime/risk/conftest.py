from __future__ import annotations

import pytest

from sentinel.runtime.risk import RiskClassifier


@pytest.fixture(scope="session")
def classifier() -> RiskClassifier:
    """The shipped table, compiled once for the whole run."""
    return RiskClassifier.from_library()
