"""Clock skew at the edges of ``exp``, ``nbf`` and ``iat``, with an injected clock and a 5 s leeway."""

from __future__ import annotations

import asyncio

import pytest

from sentinel.runtime.identity import SigningKey, StaticKeys, TokenIssuer, TokenVerifier

from .conftest import AUDIENCE, NOW, Clock, reason_of

LEEWAY = 5
TTL = 60


@pytest.fixture
def token(es_key: SigningKey) -> str:
    issuer = TokenIssuer(StaticKeys(es_key), clock=Clock(NOW))
    return asyncio.run(issuer.issue(sub="alice", aud=AUDIENCE, ttl_s=TTL))


def _verifier(es_key: SigningKey, at: float) -> TokenVerifier:
    return TokenVerifier(StaticKeys(es_key), leeway_s=LEEWAY, clock=Clock(at))


def _accepted(verifier: TokenVerifier, token: str) -> bool:
    asyncio.run(verifier.verify(token, audience=AUDIENCE))
    return True


def test_token_is_accepted_just_inside_the_leeway_after_exp(es_key: SigningKey, token: str) -> None:
    assert _accepted(_verifier(es_key, NOW + TTL + LEEWAY - 0.001), token)


def test_token_is_refused_at_exp_plus_leeway(es_key: SigningKey, token: str) -> None:
    assert reason_of(_verifier(es_key, NOW + TTL + LEEWAY), token) == "expired"


def test_token_is_accepted_by_a_verifier_whose_clock_lags_by_the_leeway(
    es_key: SigningKey, token: str
) -> None:
    assert _accepted(_verifier(es_key, NOW - LEEWAY), token)


def test_token_is_refused_by_a_verifier_whose_clock_lags_past_the_leeway(
    es_key: SigningKey, token: str
) -> None:
    assert reason_of(_verifier(es_key, NOW - LEEWAY - 0.001), token) == "not_yet_valid"


def test_zero_leeway_refuses_at_exp_exactly(es_key: SigningKey, token: str) -> None:
    verifier = TokenVerifier(StaticKeys(es_key), leeway_s=0, clock=Clock(NOW + TTL))
    assert reason_of(verifier, token) == "expired"
