"""Envelope contract: content-derived ids, round trips, canonical order, and refusal of bad envelopes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.runtime.events.envelopes import (
    MAX_PAYLOAD_BYTES,
    CommandEnvelope,
    EnvelopeError,
    EventEnvelope,
    parse_command,
    parse_event,
)

from .conftest import make_event

REPO = Path(__file__).resolve().parents[3]
OCCURRED = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)


def _event(**changes: Any) -> EventEnvelope:
    fields: dict[str, Any] = {
        "event_type": "core.DecisionMade",
        "source_ref": "gateway",
        "source_native_id": "42",
        "occurred_at": OCCURRED,
        "ingested_at": OCCURRED + timedelta(seconds=1),
        "payload": {"b": 1, "a": "x"},
        "correlation_id": "corr-1",
        "causation_type": "user_action",
        "causation_id": "ua-1",
        "actor": "user:alice",
    }
    fields.update(changes)
    return EventEnvelope.create(**fields)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# Test vectors written by hand from the rules in docs/audit.md, hashed with hashlib only.
PAYLOAD_JCS = '{"a":"x","b":1}'
PAYLOAD_HASH = _sha(PAYLOAD_JCS)
EVENT_ID_JCS = (
    '{"occurred_at":"2026-01-02T03:04:05.000006Z","payload_hash":"' + PAYLOAD_HASH
    + '","source_native_id":"42","source_ref":"gateway"}'
)


def test_payload_hash_is_sha256_of_the_canonical_payload() -> None:
    assert _event().payload_hash == PAYLOAD_HASH


def test_event_id_is_sha256_of_the_canonical_id_object() -> None:
    assert _event().event_id == _sha(EVENT_ID_JCS)


def test_test_vectors_match_the_documented_values() -> None:
    doc = (REPO / "docs" / "audit.md").read_text()
    assert PAYLOAD_HASH in doc
    assert _sha(EVENT_ID_JCS) in doc


def test_command_id_is_sha256_of_the_canonical_command_object() -> None:
    command = CommandEnvelope.create(
        command_type="pack.hr.leave.ApproveLeave", target="leave-7", actor="user:bob",
        capability="leave.approve", issued_at=OCCURRED, payload={"days": 3}, correlation_id="c",
        causation_type="user_action", causation_id="ua-9",
    )
    payload_hash = _sha('{"days":3}')
    expected = _sha(
        '{"actor":"user:bob","command_type":"pack.hr.leave.ApproveLeave","issued_at":"2026-01-02T03:04:05.000006Z",'
        '"payload_hash":"' + payload_hash + '","target":"leave-7"}'
    )
    assert command.command_id == expected


def test_an_offset_timestamp_gives_the_same_id_as_its_utc_instant() -> None:
    plus_two = OCCURRED.astimezone(timezone(timedelta(hours=2)))
    assert _event(occurred_at=plus_two).event_id == _event().event_id


def test_event_id_is_the_same_in_another_process() -> None:
    script = (
        "import json, sys\n"
        "from datetime import datetime\n"
        "from sentinel.runtime.events.envelopes import EventEnvelope\n"
        "fields = json.loads(sys.stdin.read())\n"
        "fields['occurred_at'] = datetime.fromisoformat(fields['occurred_at'])\n"
        "print(EventEnvelope.create(**fields).event_id)\n"
    )
    fields = {
        "payload": {"z": [1, 2.5, None], "a": {"y": True, "b": "é"}},
        "actor": "user:alice", "causation_id": "ua-1", "causation_type": "user_action",
        "correlation_id": "corr-1", "occurred_at": "2026-01-02T05:04:05.000006+02:00",
        "source_native_id": "42", "source_ref": "gateway", "event_type": "core.DecisionMade",
    }
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", script], input=json.dumps(fields), capture_output=True,
                            text=True, env=env, cwd=REPO, timeout=60, check=True)
    here = _event(payload={"a": {"b": "é", "y": True}, "z": [1, 2.5, None]})
    assert result.stdout.strip() == here.event_id


def _other_pythons() -> list[str]:
    """Interpreters of other minor versions on this machine (pyenv, Debian), without our packages."""
    candidates = [*sorted(Path("/root/.pyenv/versions").glob("3.*/bin/python3")), Path("/usr/bin/python3")]
    return [str(c) for c in candidates if c.is_file() and os.access(c, os.X_OK)]


def test_event_id_rule_gives_the_same_id_under_other_python_versions() -> None:
    """The documented rule, computed by other interpreters with the standard library only (the test's
    strings and integers are where ``json.dumps(sort_keys=True)`` and RFC 8785 agree)."""
    pythons = _other_pythons()
    if not pythons:
        pytest.skip("no other Python interpreter on this machine")
    script = (
        "import hashlib, json, sys\n"
        "jcs = lambda v: json.dumps(v, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()\n"
        "h = lambda v: hashlib.sha256(jcs(v)).hexdigest()\n"
        "p = h({'b': 1, 'a': ['x', 2, None, True], 'u': '\u00e9\u4e2d'})\n"
        "print(sys.version_info[:2], h({'occurred_at': '2026-01-02T03:04:05.000006Z', 'payload_hash': p,"
        " 'source_native_id': '42', 'source_ref': 'gateway'}))\n"
    )
    ours = _event(payload={"u": "é中", "a": ["x", 2, None, True], "b": 1}).event_id
    versions = set()
    for python in pythons:
        out = subprocess.run([python, "-c", script], capture_output=True, text=True, timeout=60, check=True,
                             env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"})
        version, _, digest = out.stdout.strip().rpartition(" ")
        assert digest == ours, f"{python} {version}"
        versions.add(version)
    assert versions


JSON_LEAVES = (
    st.none() | st.booleans() | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
PAYLOADS = st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6)


def _reversed_order(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reversed_order(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_order(item) for item in value]
    return value


@given(PAYLOADS)
def test_ids_do_not_depend_on_dict_order(payload: dict[str, Any]) -> None:
    assert _event(payload=payload).event_id == _event(payload=_reversed_order(payload)).event_id


@given(PAYLOADS)
def test_event_envelope_round_trips_through_the_wire(payload: dict[str, Any]) -> None:
    envelope = _event(payload=payload)
    again = parse_event(envelope.to_json())
    assert again.to_json() == envelope.to_json()
    assert again.event_id == envelope.event_id


def test_command_envelope_round_trips_through_the_wire() -> None:
    command = CommandEnvelope.create(
        command_type="shared.training.StartSession", target="session-1", actor="service:trainer",
        capability="training.start", issued_at=OCCURRED, payload={"mode": "shadow"}, correlation_id="c",
        causation_type="event", causation_id=_event().event_id,
    )
    assert parse_command(command.to_json()) == command


def _project(events: list[EventEnvelope]) -> dict[str, list[int]]:
    """A projection that depends on order: the sequence of `n` values seen per aggregate."""
    state: dict[str, list[int]] = {}
    for event in events:
        state.setdefault(str(event.payload["aggregate"]), []).append(int(event.payload["n"]))
    return state


@given(st.permutations([make_event(i, aggregate=f"a{i % 3}") for i in range(12)]))
def test_replay_in_canonical_order_gives_the_same_projection(shuffled: list[EventEnvelope]) -> None:
    canonical = [make_event(i, aggregate=f"a{i % 3}") for i in range(12)]
    replayed = sorted(shuffled, key=lambda event: event.ordering_key)
    assert _project(replayed) == _project(canonical)


def test_events_at_the_same_instant_are_ordered_by_source_sequence() -> None:
    first = _event(source_native_id="x", source_sequence=2)
    second = _event(source_native_id="y", source_sequence=10)
    assert sorted([second, first], key=lambda e: e.ordering_key) == [first, second]


@pytest.mark.parametrize(
    "name", ["core.DecisionMade", "pack.hr-1.leave.LeaveApproved", "shared.identity.TokenIssued"]
)
def test_namespaced_types_are_accepted(name: str) -> None:
    assert _event(event_type=name).event_type == name


@pytest.mark.parametrize(
    "name",
    ["DecisionMade", "core.decisionMade", "core.Decision.Made", "pack.hr.LeaveApproved", "shared.Identity.X",
     "custom.thing.Name", "core.", "pack.hr.leave.approved"],
)
def test_types_outside_the_namespaces_are_refused(name: str) -> None:
    with pytest.raises(EnvelopeError, match="event_type"):
        _event(event_type=name)


def test_a_random_uuid_as_event_id_is_refused() -> None:
    data = json.loads(_event().to_json())
    data["event_id"] = str(uuid.uuid4())
    with pytest.raises(EnvelopeError, match="random UUID"):
        parse_event(json.dumps(data).encode())


def test_a_random_uuid_as_causation_id_is_refused() -> None:
    with pytest.raises(EnvelopeError, match="random UUID"):
        _event(causation_type="user_action", causation_id=str(uuid.uuid4()))


def test_a_name_based_uuid_is_accepted_as_a_user_action_id() -> None:
    action = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://example.invalid/actions/1"))
    assert _event(causation_id=action).causation_id == action


def test_an_event_id_that_does_not_match_the_content_is_refused() -> None:
    wire = _event().to_json().replace(b'"42"', b'"43"')
    with pytest.raises(EnvelopeError, match="event_id is not the content id"):
        parse_event(wire)


def test_a_payload_hash_that_does_not_match_the_payload_is_refused() -> None:
    wire = _event().to_json().replace(b'"a":"x"', b'"a":"y"')
    with pytest.raises(EnvelopeError, match="payload_hash does not match"):
        parse_event(wire)


@pytest.mark.parametrize(
    ("causation_type", "causation_id"),
    [("event", "ua-1"), ("command", "sha256:" + "0" * 64), ("derived_artifact", "0" * 64),
     ("user_action", "has space"), ("workflow", "0" * 64)],
)
def test_causation_id_must_fit_its_causation_type(causation_type: str, causation_id: str) -> None:
    with pytest.raises(EnvelopeError, match="causation"):
        _event(causation_type=causation_type, causation_id=causation_id)


def test_causation_type_is_required() -> None:
    data = json.loads(_event().to_json())
    del data["causation_type"]
    with pytest.raises(EnvelopeError, match="causation_type"):
        parse_event(json.dumps(data).encode())


@pytest.mark.parametrize(
    "moment",
    [datetime(1999, 12, 31, 23, 59, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC),
     datetime(1970, 1, 1, tzinfo=UTC)],
)
def test_clock_values_out_of_range_are_refused(moment: datetime) -> None:
    with pytest.raises(EnvelopeError, match="out of range"):
        _event(occurred_at=moment, ingested_at=moment)


@pytest.mark.parametrize("stamp", ["10000-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "yesterday", 1767225600])
def test_unparseable_or_numeric_timestamps_are_refused(stamp: object) -> None:
    data = json.loads(_event().to_json())
    data["ingested_at"] = stamp
    with pytest.raises(EnvelopeError, match="ingested_at"):
        parse_event(json.dumps(data).encode())


def test_a_timestamp_without_time_zone_is_refused() -> None:
    with pytest.raises(EnvelopeError, match="time zone"):
        _event(occurred_at=datetime(2026, 1, 2, 3, 4, 5))


def test_an_event_from_the_future_beyond_the_skew_is_refused() -> None:
    with pytest.raises(EnvelopeError, match="clock skew"):
        _event(occurred_at=OCCURRED + timedelta(minutes=6), ingested_at=OCCURRED)


def test_a_payload_larger_than_the_limit_is_refused() -> None:
    with pytest.raises(EnvelopeError, match="more than"):
        _event(payload={"blob": "x" * MAX_PAYLOAD_BYTES})


def test_integers_beyond_i_json_are_refused() -> None:
    with pytest.raises(EnvelopeError, match="canonicalizable"):
        _event(payload={"n": 2**64 + 1})


def test_unknown_fields_are_refused() -> None:
    data = json.loads(_event().to_json())
    data["extra"] = 1
    with pytest.raises(EnvelopeError, match="extra"):
        parse_event(json.dumps(data).encode())


@pytest.mark.parametrize("wire", [b"", b"not json", b"[]", b'{"event_id": 1}', b"{" * 100000])
def test_malformed_wire_bytes_give_an_envelope_error(wire: bytes) -> None:
    with pytest.raises(EnvelopeError):
        parse_event(wire)


def test_errors_never_echo_field_values() -> None:
    data = json.loads(_event().to_json())
    data["actor"] = "secret-token-abc123"
    with pytest.raises(EnvelopeError) as caught:
        parse_event(json.dumps(data).encode())
    assert "secret-token-abc123" not in str(caught.value)
