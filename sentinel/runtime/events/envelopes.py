"""Event and command envelopes: content-derived ids, namespaced types, typed causation.

Ids are SHA-256 (lowercase hex) over the RFC 8785 canonical JSON (the ``rfc8785`` package) of a small
object, so the same content gives the same id in every process and Python version, whatever the dict order:

* ``payload_hash = sha256(JCS(payload))``
* ``event_id = sha256(JCS({"occurred_at", "payload_hash", "source_native_id", "source_ref"}))``
* ``command_id = sha256(JCS({"actor", "command_type", "issued_at", "payload_hash", "target"}))``

Timestamps enter every hash as RFC 3339 UTC with exactly six fraction digits
(``2026-01-02T03:04:05.000006Z``).
The exact rules and test vectors are in ``docs/audit.md`` (section "Envelopes").
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import rfc8785
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from sentinel.errors import SentinelError

ENVELOPE_VERSION = "1.0"
MAX_PAYLOAD_BYTES = 1 << 20  # canonical JSON of the payload
MAX_ENVELOPE_BYTES = MAX_PAYLOAD_BYTES + (64 << 10)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_CLOCK_SKEW = timedelta(minutes=5)
_MAX_SAFE_INTEGER = 2**53 - 1  # how far occurred_at may lie after ingested_at

CausationType = Literal["event", "command", "derived_artifact", "user_action"]

_TYPE_PATTERNS = (
    re.compile(r"core\.[A-Z][A-Za-z0-9]{0,63}"),
    re.compile(r"pack\.[a-z][a-z0-9_-]{0,63}\.[a-z][a-z0-9_]{0,63}\.[A-Z][A-Za-z0-9]{0,63}"),
    re.compile(r"shared\.[a-z][a-z0-9_]{0,63}\.[A-Z][A-Za-z0-9]{0,63}"),
)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ARTIFACT = re.compile(r"sha256:[0-9a-f]{64}")
_TOKEN = re.compile(r"[A-Za-z0-9._:/@+=-]{1,200}")
_ACTOR = re.compile(r"(user|service|system):[A-Za-z0-9._:/@+=-]{1,200}")
_CAPABILITY = re.compile(r"[a-z][a-z0-9_-]{0,63}(\.[a-z][a-z0-9_-]{0,63}){0,7}")
_SCHEMA_VERSION = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6}){0,2}")
_UUID = re.compile(
    r"(urn:uuid:)?\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?"
)
_NAME_BASED_UUID_VERSIONS = (3, 5)  # derived from a name: deterministic, unlike v1/v4/v6/v7


class EnvelopeError(SentinelError):
    """An envelope failed validation; the message names the fields, never their values."""


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of ``value``; ValueError unless it is I-JSON (no NaN, huge integers, sets)."""
    try:
        try:
            return rfc8785.dumps(value)
        except rfc8785.IntegerDomainError:
            return rfc8785.dumps(_exact_doubles(value))
    except (rfc8785.CanonicalizationError, TypeError, RecursionError) as exc:
        raise ValueError(f"not canonicalizable JSON ({type(exc).__name__})") from None


def _exact_doubles(value: Any) -> Any:
    """JSON numbers are IEEE doubles (RFC 8785): an integer beyond 2**53 written exactly as JCS writes some
    double (a float such as 4e16 read back from the wire) is that double; any other stays and is refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > _MAX_SAFE_INTEGER:
        try:
            as_double = float(value)
        except OverflowError:
            return value
        return as_double if rfc8785.dumps(as_double) == str(value).encode() else value
    if isinstance(value, dict):
        return {key: _exact_doubles(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact_doubles(item) for item in value]
    return value


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def format_timestamp(moment: datetime) -> str:
    """The one timestamp form that enters hashes and the wire: UTC, microseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload_hash(payload: dict[str, Any]) -> str:
    return sha256_hex(canonical_json(payload))


def compute_event_id(
    source_ref: str, source_native_id: str, payload_digest: str, occurred_at: datetime
) -> str:
    return sha256_hex(
        canonical_json(
            {
                "occurred_at": format_timestamp(occurred_at),
                "payload_hash": payload_digest,
                "source_native_id": source_native_id,
                "source_ref": source_ref,
            }
        )
    )


def compute_command_id(
    command_type: str, target: str, actor: str, payload_digest: str, issued_at: datetime
) -> str:
    return sha256_hex(
        canonical_json(
            {
                "actor": actor,
                "command_type": command_type,
                "issued_at": format_timestamp(issued_at),
                "payload_hash": payload_digest,
                "target": target,
            }
        )
    )


def is_random_uuid(value: str) -> bool:
    """True for a UUID that is not name-based (v1, v4, v6, v7, ...): random or clock-derived."""
    if not _UUID.fullmatch(value):
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.version not in _NAME_BASED_UUID_VERSIONS


def validate_type_name(value: str) -> str:
    """``core.<Name>``, ``pack.<id>.<domain>.<Name>`` or ``shared.<pkg>.<Name>``."""
    if not any(pattern.fullmatch(value) for pattern in _TYPE_PATTERNS):
        raise ValueError("type must be core.<Name>, pack.<id>.<domain>.<Name> or shared.<pkg>.<Name>")
    return value


def _deterministic_id(value: str, field: str) -> str:
    if is_random_uuid(value):
        raise ValueError(f"{field} is a random UUID where a content-derived id is required")
    if not _HEX64.fullmatch(value):
        raise ValueError(f"{field} must be 64 lowercase hex digits (SHA-256)")
    return value


def _check_causation(causation_type: str, causation_id: str) -> None:
    if is_random_uuid(causation_id):
        raise ValueError("causation_id is a random UUID where a content-derived id is required")
    if causation_type in ("event", "command"):
        ok = _HEX64.fullmatch(causation_id) is not None
        expected = "a 64-hex event or command id"
    elif causation_type == "derived_artifact":
        ok = _ARTIFACT.fullmatch(causation_id) is not None
        expected = "sha256:<64 hex> (the artifact's content hash)"
    else:
        ok = _TOKEN.fullmatch(causation_id) is not None
        expected = "a user action id"
    if not ok:
        raise ValueError(f"causation_id must be {expected} for causation_type {causation_type}")


def _check_moment(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{field} must carry a time zone (RFC 3339 with Z or an offset)")
    moment = moment.astimezone(UTC)
    if not EARLIEST <= moment < LATEST:
        window = f"{format_timestamp(EARLIEST)} to {format_timestamp(LATEST)}"
        raise ValueError(f"{field} is out of range ({window})")
    return moment


def _refuse_numbers(value: Any, field: str) -> Any:
    # A bare number is ambiguous (seconds? milliseconds?); pydantic would read it as epoch seconds.
    if isinstance(value, int | float):
        raise ValueError(f"{field} must be an RFC 3339 string, not a number")
    return value


def _check_payload(payload: dict[str, Any], declared_hash: str) -> None:
    body = canonical_json(payload)
    if len(body) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"payload is {len(body)} bytes canonical, more than {MAX_PAYLOAD_BYTES}")
    if sha256_hex(body) != declared_hash:
        raise ValueError("payload_hash does not match the payload")


class _Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=4096)

    envelope_version: Literal["1.0"] = "1.0"
    payload_schema_version: str = Field(pattern=_SCHEMA_VERSION.pattern)
    correlation_id: str = Field(pattern=_TOKEN.pattern)
    causation_type: CausationType
    causation_id: str = Field(max_length=200)
    actor: str = Field(pattern=_ACTOR.pattern)
    payload_hash: str = Field(pattern=_HEX64.pattern)
    payload: dict[str, Any]

    def to_json(self) -> bytes:
        """The envelope as RFC 8785 canonical JSON: what goes on the wire and into the outbox."""
        return canonical_json(self.model_dump(mode="json"))


class EventEnvelope(_Envelope):
    """Something that happened. ``aggregate_id`` names the entity whose events are delivered in order."""

    event_id: str
    event_type: str
    source_ref: str = Field(pattern=_TOKEN.pattern)
    source_native_id: str = Field(min_length=1, max_length=256)
    source_sequence: int | None = Field(default=None, ge=0, le=2**63 - 1)
    aggregate_id: str | None = Field(default=None, pattern=_TOKEN.pattern)
    capability: str | None = Field(default=None, pattern=_CAPABILITY.pattern)
    occurred_at: datetime
    ingested_at: datetime

    @field_validator("event_type")
    @classmethod
    def _type_name(cls, value: str) -> str:
        return validate_type_name(value)

    @field_validator("occurred_at", "ingested_at", mode="before")
    @classmethod
    def _no_numbers(cls, value: Any) -> Any:
        return _refuse_numbers(value, "timestamps")

    @field_validator("source_native_id")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError("source_native_id must be printable")
        return value

    @field_serializer("occurred_at", "ingested_at")
    def _timestamp(self, moment: datetime) -> str:
        return format_timestamp(moment)

    @model_validator(mode="after")
    def _consistent(self) -> EventEnvelope:
        occurred = _check_moment(self.occurred_at, "occurred_at")
        ingested = _check_moment(self.ingested_at, "ingested_at")
        if occurred - ingested > MAX_CLOCK_SKEW:
            raise ValueError("occurred_at lies more than 5 minutes after ingested_at (clock skew)")
        object.__setattr__(self, "occurred_at", occurred)
        object.__setattr__(self, "ingested_at", ingested)
        _check_causation(self.causation_type, self.causation_id)
        _check_payload(self.payload, self.payload_hash)
        _deterministic_id(self.event_id, "event_id")
        expected = compute_event_id(self.source_ref, self.source_native_id, self.payload_hash, occurred)
        if self.event_id != expected:
            raise ValueError("event_id is not the content id of (source_ref, source_native_id, payload_hash, "
                             "occurred_at)")
        return self

    @property
    def ordering_key(self) -> tuple[datetime, str, int, str]:
        """``(occurred_at, source_ref, source_sequence, event_id)``; a missing sequence sorts first."""
        sequence = -1 if self.source_sequence is None else self.source_sequence
        return (self.occurred_at, self.source_ref, sequence, self.event_id)

    @classmethod
    def create(
        cls,
        *,
        event_type: str,
        source_ref: str,
        source_native_id: str,
        occurred_at: datetime,
        payload: dict[str, Any],
        correlation_id: str,
        causation_type: CausationType,
        causation_id: str,
        actor: str,
        payload_schema_version: str = "1",
        source_sequence: int | None = None,
        aggregate_id: str | None = None,
        capability: str | None = None,
        ingested_at: datetime | None = None,
    ) -> EventEnvelope:
        """Build an envelope and derive its ids; raises EnvelopeError on any invalid field."""
        try:
            digest = payload_hash(payload)
            moment = _check_moment(occurred_at, "occurred_at")
            event_id = compute_event_id(source_ref, source_native_id, digest, moment)
        except ValueError as exc:
            raise EnvelopeError(f"invalid event envelope: {exc}") from None
        return _validated(
            cls,
            {
                "event_id": event_id,
                "event_type": event_type,
                "source_ref": source_ref,
                "source_native_id": source_native_id,
                "source_sequence": source_sequence,
                "aggregate_id": aggregate_id,
                "capability": capability,
                "occurred_at": moment,
                "ingested_at": ingested_at or datetime.now(UTC),
                "payload_schema_version": payload_schema_version,
                "correlation_id": correlation_id,
                "causation_type": causation_type,
                "causation_id": causation_id,
                "actor": actor,
                "payload_hash": digest,
                "payload": payload,
            },
        )


class CommandEnvelope(_Envelope):
    """A request to change ``target``, authorized by ``capability``; its id is derived from its content."""

    command_id: str
    command_type: str
    target: str = Field(pattern=_TOKEN.pattern)
    capability: str = Field(pattern=_CAPABILITY.pattern)
    issued_at: datetime

    @field_validator("command_type")
    @classmethod
    def _type_name(cls, value: str) -> str:
        return validate_type_name(value)

    @field_validator("issued_at", mode="before")
    @classmethod
    def _no_numbers(cls, value: Any) -> Any:
        return _refuse_numbers(value, "issued_at")

    @field_serializer("issued_at")
    def _timestamp(self, moment: datetime) -> str:
        return format_timestamp(moment)

    @model_validator(mode="after")
    def _consistent(self) -> CommandEnvelope:
        issued = _check_moment(self.issued_at, "issued_at")
        object.__setattr__(self, "issued_at", issued)
        _check_causation(self.causation_type, self.causation_id)
        _check_payload(self.payload, self.payload_hash)
        _deterministic_id(self.command_id, "command_id")
        expected = compute_command_id(self.command_type, self.target, self.actor, self.payload_hash, issued)
        if self.command_id != expected:
            raise ValueError("command_id is not the content id of (actor, command_type, issued_at, "
                             "payload_hash, target)")
        return self

    @classmethod
    def create(
        cls,
        *,
        command_type: str,
        target: str,
        actor: str,
        capability: str,
        issued_at: datetime,
        payload: dict[str, Any],
        correlation_id: str,
        causation_type: CausationType,
        causation_id: str,
        payload_schema_version: str = "1",
    ) -> CommandEnvelope:
        try:
            digest = payload_hash(payload)
            moment = _check_moment(issued_at, "issued_at")
            command_id = compute_command_id(command_type, target, actor, digest, moment)
        except ValueError as exc:
            raise EnvelopeError(f"invalid command envelope: {exc}") from None
        return _validated(
            cls,
            {
                "command_id": command_id,
                "command_type": command_type,
                "target": target,
                "actor": actor,
                "capability": capability,
                "issued_at": moment,
                "payload_schema_version": payload_schema_version,
                "correlation_id": correlation_id,
                "causation_type": causation_type,
                "causation_id": causation_id,
                "payload_hash": digest,
                "payload": payload,
            },
        )


def _describe(exc: ValidationError) -> str:
    """Field locations and messages only: an attacker's input values never reach logs or errors."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False)[:5]:
        where = ".".join(str(part) for part in error["loc"]) or "envelope"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _validated(model: type[Any], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise EnvelopeError(f"invalid {model.__name__}: {_describe(exc)}") from None


def _parse(model: type[Any], data: bytes) -> Any:
    if len(data) > MAX_ENVELOPE_BYTES:
        raise EnvelopeError(f"envelope is {len(data)} bytes, more than {MAX_ENVELOPE_BYTES}")
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        raise EnvelopeError(f"invalid {model.__name__}: {_describe(exc)}") from None


def parse_event(data: bytes) -> EventEnvelope:
    """An event envelope from wire bytes; EnvelopeError if too large, not JSON or inconsistent."""
    result: EventEnvelope = _parse(EventEnvelope, data)
    return result


def parse_command(data: bytes) -> CommandEnvelope:
    result: CommandEnvelope = _parse(CommandEnvelope, data)
    return result
