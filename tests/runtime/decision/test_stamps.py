"""The volatile fields of a decision keep their documented formats: UUID 4 ids, RFC 3339 UTC times."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from sentinel.runtime.decision.stamps import UtcClock, random_uuid4, rfc3339_now

RFC3339_UTC_MICROS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def test_a_random_id_is_a_canonical_version_4_uuid() -> None:
    for _ in range(200):
        text = random_uuid4()
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text


def test_random_ids_differ() -> None:
    assert len({random_uuid4() for _ in range(1000)}) == 1000


def test_the_clock_gives_rfc3339_utc_with_microseconds_close_to_now() -> None:
    clock = UtcClock()
    before = datetime.now(UTC)
    stamps = [clock.now() for _ in range(1000)]
    after = datetime.now(UTC)
    for stamp in stamps:
        assert RFC3339_UTC_MICROS.match(stamp)
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        assert before - timedelta(microseconds=1) <= moment <= after


def test_the_unkept_clock_has_the_same_format() -> None:
    stamp = rfc3339_now()
    assert RFC3339_UTC_MICROS.match(stamp)
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)
