"""Hypothesis profiles for the extract-stage property tests.

``ci`` (the default, what ``make test`` runs): a fixed, derandomized budget so every run tries
the same examples. ``fuzz`` (``HYPOTHESIS_PROFILE=fuzz``, what ``make fuzz`` runs): many more,
random examples. In both, a failing example fails the test; nothing is skipped.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_NOT_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("ci", max_examples=30, derandomize=True, deadline=None, database=None,
                          suppress_health_check=_NOT_SLOW, print_blob=True)
settings.register_profile("fuzz", max_examples=2000, deadline=None, database=None,
                          suppress_health_check=_NOT_SLOW, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
