"""Reading the headers a gateway trusts nothing about: size limits, the bearer token, ``traceparent``.

ASGI gives headers as raw ``(name, value)`` byte pairs with lowercase names; everything here works on those
bytes so a hostile value is measured and refused before it is decoded.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_MAX_HEADER_BYTES = 16 * 1024
DEFAULT_MAX_HEADERS = 100

# RFC 6750 b64token (token68): what may follow "Bearer ".
_TOKEN68 = re.compile(rb"[A-Za-z0-9\-._~+/]+=*")
# W3C Trace Context level 1: version-traceid-parentid-flags, lowercase hex.
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")

# Headers the gateway sets; a client's own copies are dropped before the app sees the request.
POLICY_HEADERS = (b"x-policy-decision", b"x-policy-score", b"x-constitution-hash")
TRACEPARENT = b"traceparent"
TRACESTATE = b"tracestate"


class HeaderRefused(Exception):
    """A request whose headers are refused before any token is read: ``status`` 431 or 401."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class HeaderLimits:
    """``max_bytes`` over all names and values; ``max_count`` headers; ``max_token_bytes`` per token."""

    max_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_count: int = DEFAULT_MAX_HEADERS
    max_token_bytes: int = 8 * 1024


def check_size(headers: Iterable[tuple[bytes, bytes]], limits: HeaderLimits) -> None:
    """431 when the headers are too many or too large in total."""
    total = 0
    for count, (name, value) in enumerate(headers, start=1):
        total += len(name) + len(value)
        if count > limits.max_count or total > limits.max_bytes:
            raise HeaderRefused(431, "headers_too_large", "the request headers are too large")


def bearer_token(headers: Iterable[tuple[bytes, bytes]], limits: HeaderLimits) -> str:
    """The one bearer token of the request; 401 with a reason when missing, repeated or malformed."""
    values = [value for name, value in headers if name == b"authorization"]
    if not values:
        raise HeaderRefused(401, "missing_token", "the request has no Authorization header")
    if len(values) > 1:
        raise HeaderRefused(401, "malformed", "the request has more than one Authorization header")
    value = values[0]
    scheme, sep, token = value.partition(b" ")
    if not sep or scheme.lower() != b"bearer":
        raise HeaderRefused(401, "malformed", "the Authorization header is not 'Bearer <token>'")
    if len(token) > limits.max_token_bytes:
        raise HeaderRefused(401, "too_large", f"the token is longer than {limits.max_token_bytes} bytes")
    if not _TOKEN68.fullmatch(token):
        raise HeaderRefused(401, "malformed", "the bearer token has characters outside RFC 6750's b64token")
    return token.decode("ascii")


def valid_traceparent(value: str) -> bool:
    """A W3C ``traceparent`` this gateway may pass on: known shape, non-zero ids, version not ``ff``."""
    match = _TRACEPARENT.fullmatch(value)
    if match is None:
        return False
    version, trace_id, parent_id, _flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest is not None):
        return False
    return trace_id != "0" * 32 and parent_id != "0" * 16


def new_traceparent() -> str:
    """A fresh sampled ``traceparent`` (W3C ids are random by definition)."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def trace_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, bytes | None]:
    """The ``traceparent`` to propagate (the caller's when valid, else a new one) and the ``tracestate``
    that goes with it (dropped with an invalid or missing parent, as the W3C spec requires)."""
    parents = [value for name, value in headers if name == TRACEPARENT]
    state = [value for name, value in headers if name == TRACESTATE]
    if len(parents) == 1 and len(parents[0]) <= 512:
        try:
            text = parents[0].decode("ascii").strip()
        except UnicodeDecodeError:
            text = ""
        if valid_traceparent(text):
            return text, (b",".join(state) if state else None)
    return new_traceparent(), None
