"""Hostile input never crashes the verifier: whatever the string, the answer is a TokenError reason."""

from __future__ import annotations

import asyncio
import base64
import functools
import json

from hypothesis import given
from hypothesis import strategies as st

from sentinel.runtime.identity import SigningKey, StaticKeys, TokenError, TokenVerifier
from sentinel.runtime.identity import errors as reasons

KNOWN = {value for name, value in vars(reasons).items() if name.isupper() and isinstance(value, str)}


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@functools.cache
def _verifier() -> TokenVerifier:
    return TokenVerifier(StaticKeys(SigningKey.generate("es-1", "ES256")))


def _reason(token: str) -> str:
    try:
        asyncio.run(_verifier().verify(token, audience="chat-api"))
    except TokenError as exc:
        return exc.reason
    return "accepted"


@given(st.text(max_size=300))
def test_any_string_is_refused_with_a_known_reason(token: str) -> None:
    assert _reason(token) in KNOWN


@given(st.binary(max_size=200), st.binary(max_size=200), st.binary(max_size=80))
def test_any_three_segments_are_refused_with_a_known_reason(
    header: bytes, payload: bytes, sig: bytes
) -> None:
    assert _reason(f"{_segment(header)}.{_segment(payload)}.{_segment(sig)}") in KNOWN


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(["alg", "kid", "typ", "jku", "crit", "x"]), json_values, max_size=4))
def test_any_json_header_is_refused_with_a_known_reason(header: dict[str, object]) -> None:
    token = f"{_segment(json.dumps(header).encode())}.{_segment(b'{}')}.{_segment(b'sig')}"
    assert _reason(token) in KNOWN
