"""Issuing and verifying genuine tokens: the claims, the key pinning, the issuer's own checks."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from sentinel.runtime.identity import (
    FixedConstitution,
    IssueError,
    SigningKey,
    StaticKeys,
    TokenIssuer,
    TokenVerifier,
)

from .conftest import AUDIENCE, NOW, Clock, reason_of

HASH_A = "a" * 64
HASH_B = "b" * 64


def _issuer(key: SigningKey, clock: Clock, **kwargs: object) -> TokenIssuer:
    return TokenIssuer(StaticKeys(key), clock=clock, **kwargs)  # type: ignore[arg-type]


def _header(token: str) -> dict[str, object]:
    part = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


@pytest.mark.parametrize("algorithm", ["ES256", "EdDSA"])
def test_issued_token_verifies_with_its_claims(algorithm: str, clock: Clock) -> None:
    key = SigningKey.generate("k-1", algorithm)
    token = asyncio.run(
        _issuer(key, clock).issue(
            sub="alice", aud=AUDIENCE, scope="chat:read chat:write", tenant="acme", ttl_s=120
        )
    )
    claims = asyncio.run(TokenVerifier(StaticKeys(key), clock=clock).verify(token, audience=AUDIENCE))
    assert (claims.sub, claims.aud, claims.scope, claims.tenant) == (
        "alice",
        AUDIENCE,
        ("chat:read", "chat:write"),
        "acme",
    )
    assert (claims.iat, claims.nbf, claims.exp, claims.kid) == (NOW, NOW, NOW + 120, "k-1")


def test_token_header_names_the_kid_and_the_keys_algorithm(clock: Clock) -> None:
    key = SigningKey.generate("ed-7", "EdDSA")
    token = asyncio.run(_issuer(key, clock).issue(sub="alice", aud=AUDIENCE))
    assert _header(token) == {"alg": "EdDSA", "kid": "ed-7", "typ": "JWT"}


def test_every_token_gets_its_own_jti(es_key: SigningKey, clock: Clock) -> None:
    issuer = _issuer(es_key, clock)
    verifier = TokenVerifier(StaticKeys(es_key), clock=clock)

    async def two() -> set[str]:
        tokens = [await issuer.issue(sub="alice", aud=AUDIENCE) for _ in range(2)]
        return {(await verifier.verify(t, audience=AUDIENCE)).jti for t in tokens}

    assert len(asyncio.run(two())) == 2


def test_scope_is_a_space_separated_string_in_the_token(es_key: SigningKey, clock: Clock) -> None:
    issued = asyncio.run(_issuer(es_key, clock).mint(sub="alice", aud=AUDIENCE, scope=["b:read", "a:write"]))
    assert issued.claims.raw["scope"] == "b:read a:write"


def test_token_with_the_same_kid_from_another_key_set_is_refused(es_key: SigningKey, clock: Clock) -> None:
    impostor = SigningKey.generate("es-1", "ES256")
    token = asyncio.run(_issuer(impostor, clock).issue(sub="alice", aud=AUDIENCE))
    assert reason_of(TokenVerifier(StaticKeys(es_key), clock=clock), token) == "bad_signature"


def test_lifetime_over_the_issuers_maximum_is_not_issued(es_key: SigningKey, clock: Clock) -> None:
    with pytest.raises(IssueError):
        asyncio.run(_issuer(es_key, clock, max_ttl_s=600).issue(sub="alice", aud=AUDIENCE, ttl_s=601))


@pytest.mark.parametrize(
    "fields",
    [
        {"sub": ""},
        {"sub": "alice\nadmin"},
        {"scope": 'chat:read "admin"'},
        {"tenant": "../acme"},
        {"correlation_id": "has spaces"},
    ],
)
def test_bad_issue_request_is_refused(es_key: SigningKey, clock: Clock, fields: dict[str, str]) -> None:
    request = {"sub": "alice", "aud": AUDIENCE, **fields}
    with pytest.raises(IssueError):
        asyncio.run(_issuer(es_key, clock).issue(**request))  # type: ignore[arg-type]


def test_token_embeds_the_tenants_active_constitution(es_key: SigningKey, clock: Clock) -> None:
    issuer = _issuer(es_key, clock, constitution=FixedConstitution({"acme": HASH_A, "default": HASH_B}))
    issued = asyncio.run(issuer.mint(sub="alice", aud=AUDIENCE, tenant="acme"))
    assert issued.claims.constitution_hash == HASH_A


def test_no_token_without_an_active_constitution(es_key: SigningKey, clock: Clock) -> None:
    issuer = _issuer(es_key, clock, constitution=FixedConstitution({}))
    with pytest.raises(IssueError, match="no constitution"):
        asyncio.run(issuer.issue(sub="alice", aud=AUDIENCE, tenant="acme"))


def test_token_from_an_older_constitution_is_refused_by_default(es_key: SigningKey, clock: Clock) -> None:
    issuer = _issuer(es_key, clock, constitution=FixedConstitution({"acme": HASH_A}))
    token = asyncio.run(issuer.issue(sub="alice", aud=AUDIENCE, tenant="acme"))
    verifier = TokenVerifier(
        StaticKeys(es_key), constitution=FixedConstitution({"acme": HASH_B}), clock=clock
    )
    assert reason_of(verifier, token) == "constitution_mismatch"


def test_re_evaluate_mode_marks_a_token_from_an_older_constitution_stale(
    es_key: SigningKey, clock: Clock
) -> None:
    issuer = _issuer(es_key, clock, constitution=FixedConstitution({"acme": HASH_A}))
    token = asyncio.run(issuer.issue(sub="alice", aud=AUDIENCE, tenant="acme"))
    verifier = TokenVerifier(
        StaticKeys(es_key),
        constitution=FixedConstitution({"acme": HASH_B}),
        on_constitution_change="re-evaluate",
        clock=clock,
    )
    assert asyncio.run(verifier.verify(token, audience=AUDIENCE)).constitution_stale is True


def test_token_without_a_constitution_hash_is_refused_where_one_is_active(
    es_key: SigningKey, clock: Clock
) -> None:
    token = asyncio.run(_issuer(es_key, clock).issue(sub="alice", aud=AUDIENCE, tenant="acme"))
    verifier = TokenVerifier(
        StaticKeys(es_key),
        constitution=FixedConstitution({"acme": HASH_A}),
        on_constitution_change="re-evaluate",
        clock=clock,
    )
    assert reason_of(verifier, token) == "constitution_mismatch"


def test_token_is_refused_when_no_constitution_is_active(es_key: SigningKey, clock: Clock) -> None:
    issuer = _issuer(es_key, clock, constitution=FixedConstitution({"acme": HASH_A}))
    token = asyncio.run(issuer.issue(sub="alice", aud=AUDIENCE, tenant="acme"))
    verifier = TokenVerifier(StaticKeys(es_key), constitution=FixedConstitution({}), clock=clock)
    assert reason_of(verifier, token) == "no_constitution"


def test_only_es256_and_eddsa_keys_are_accepted() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from sentinel.runtime.identity import KeyStoreError

    with pytest.raises(KeyStoreError):
        SigningKey.of("rsa-1", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with pytest.raises(KeyStoreError):
        SigningKey.of("p384-1", ec.generate_private_key(ec.SECP384R1()))


@pytest.mark.parametrize(
    ("reason", "status"), [("unavailable", 503), ("no_constitution", 503), ("revoked", 401), ("bad_kid", 401)]
)
def test_gateway_status_is_503_only_when_the_check_could_not_be_made(reason: str, status: int) -> None:
    from sentinel.runtime.identity import http_status

    assert http_status(reason) == status
