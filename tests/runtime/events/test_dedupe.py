"""Consumer-side de-duplication: an id takes effect once per typed scope, durably."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sentinel.runtime.events import dedupe
from sentinel.runtime.events.dedupe import DedupeScope


def _db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    dedupe.install(conn)
    return conn


def test_the_first_claim_wins_and_a_repeat_is_a_duplicate(tmp_path: Path) -> None:
    conn = _db(tmp_path / "c.db")
    scope = DedupeScope("projector")
    with conn:
        assert dedupe.claim(conn, scope, "e1") is True
        assert dedupe.claim(conn, scope, "e1") is False


def test_scopes_are_independent(tmp_path: Path) -> None:
    conn = _db(tmp_path / "c.db")
    with conn:
        assert dedupe.claim(conn, DedupeScope("projector", "tenant", "acme"), "e1") is True
        assert dedupe.claim(conn, DedupeScope("projector", "tenant", "globex"), "e1") is True
        assert dedupe.claim(conn, DedupeScope("mailer", "tenant", "acme"), "e1") is True


def test_claims_survive_a_new_connection(tmp_path: Path) -> None:
    with _db(tmp_path / "c.db") as conn:
        dedupe.claim(conn, DedupeScope("projector"), "e1")
    assert dedupe.claim(_db(tmp_path / "c.db"), DedupeScope("projector"), "e1") is False


def test_a_rolled_back_claim_is_forgotten(tmp_path: Path) -> None:
    conn = _db(tmp_path / "c.db")
    with pytest.raises(RuntimeError), conn:
        dedupe.claim(conn, DedupeScope("projector"), "e1")
        raise RuntimeError("handler failed")
    assert dedupe.claim(conn, DedupeScope("projector"), "e1") is True


@pytest.mark.parametrize(
    ("consumer", "kind", "key"),
    [("Projector", "global", ""), ("projector", "global", "acme"), ("projector", "tenant", ""),
     ("projector", "aggregate", "a|b"), ("projector", "session", "x")],
)
def test_malformed_scopes_are_refused(consumer: str, kind: str, key: str) -> None:
    with pytest.raises(ValueError, match="dedupe scope"):
        DedupeScope(consumer, kind, key)  # type: ignore[arg-type]
