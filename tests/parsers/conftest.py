"""Fixtures for parser tests: real input files written into a temp dir, and the hypothesis
profiles of the parser fuzz tests (``HYPOTHESIS_PROFILE=fuzz`` for a long run)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The default run is small and the same every time, so `make test` stays fast and reproducible.
settings.register_profile(
    "ci", max_examples=40, derandomize=True, deadline=timedelta(seconds=5), database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz", max_examples=5000, derandomize=False, deadline=timedelta(seconds=30),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

WriteFile = Callable[[str, str | bytes], str]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write ``content`` to ``tmp_path/name`` and return the path as a string."""

    def write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return write
