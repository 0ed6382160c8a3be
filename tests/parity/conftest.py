"""Locate the real opa and conftest (``make tools`` builds them into .tools/bin).

Missing oracles skip with a reason, except when ``SENTINEL_REQUIRE_ORACLES=1`` (``make unit``
sets it): then they fail, so CI never passes without running the comparison.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools" / "bin"


def locate(tool: str) -> str:
    local = TOOLS / tool
    found = str(local) if local.is_file() and os.access(local, os.X_OK) else shutil.which(tool)
    if found:
        return found
    message = f"{tool} not found in {TOOLS} or on PATH (run `make tools`)"
    if os.environ.get("SENTINEL_REQUIRE_ORACLES") == "1":
        pytest.fail(f"{message}; SENTINEL_REQUIRE_ORACLES=1 forbids skipping", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def conftest_bin() -> str:
    return locate("conftest")


@pytest.fixture(scope="session")
def opa_bin() -> str:
    return locate("opa")
