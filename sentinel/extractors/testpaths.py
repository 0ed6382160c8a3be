"""What counts as a test file, by path alone: one answer for every kind that asks.

The conventions match the ``files`` kind's ``is_test``: any file under a ``test``, ``tests``,
``__tests__`` or ``testdata`` folder (so Rust's ``tests/*.rs`` integration tests); Python
``test_*.py``, ``*_test.py``, ``tests.py``, ``conftest.py``; Go ``*_test.go``;
JavaScript/TypeScript ``*.test.*`` and ``*.spec.*`` (``.js .jsx .mjs .cjs .ts .tsx .mts .cts``);
Elixir ``*_test.exs``.
"""

from __future__ import annotations

TEST_DIRS = frozenset({"test", "tests", "__tests__", "testdata"})
_JS_TS = frozenset({"js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts"})


def is_test_path(path: str) -> bool:
    """Whether repository path ``path`` (POSIX separators) is part of a test suite."""
    parts = path.split("/")
    if not TEST_DIRS.isdisjoint(parts[:-1]):
        return True
    name = parts[-1]
    stem, dot, ext = name.rpartition(".")
    if not dot:
        return False
    ext = ext.lower()
    if ext in ("py", "pyi"):
        return stem.startswith("test_") or stem.endswith("_test") or stem in ("tests", "conftest")
    if ext == "go":
        return stem.endswith("_test")
    if ext in _JS_TS:
        pieces = name.split(".")
        return len(pieces) >= 3 and pieces[-2] in ("test", "spec")
    if ext == "exs":
        return stem.endswith("_test")
    return False
