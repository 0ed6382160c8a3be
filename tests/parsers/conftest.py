"""Fixtures for parser tests: real input files written into a temp dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
