"""One forged token per attack, made the way an attacker would with PyJWT, cryptography and hmac; each
is refused with its own reason."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.utils import base64url_encode

from sentinel.runtime.identity import SigningKey, TokenVerifier

from .conftest import AUDIENCE, NOW, claims, reason_of


def signed(key: Any, payload: dict[str, Any] | bytes, algorithm: str, **headers: Any) -> str:
    """A JWS over ``payload`` (bytes are signed as given) with PyJWT."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return jwt.PyJWS().encode(body, key, algorithm=algorithm, headers=headers)


def by_hand(header: dict[str, Any] | bytes, payload: dict[str, Any], sign: Any = None) -> str:
    """A compact JWS assembled with base64url; ``sign(signing_input) -> bytes`` or no signature."""
    header_bytes = header if isinstance(header, bytes) else json.dumps(header).encode()
    signing_input = base64url_encode(header_bytes) + b"." + base64url_encode(json.dumps(payload).encode())
    signature = sign(signing_input) if sign is not None else b""
    return (signing_input + b"." + base64url_encode(signature)).decode()


def hs256_by_hand(secret: bytes, header: dict[str, Any], payload: dict[str, Any]) -> str:
    """HMAC-SHA256 JWS built with hmac (PyJWT itself refuses a PEM as an HMAC secret)."""
    return by_hand(header, payload, lambda data: hmac.new(secret, data, hashlib.sha256).digest())


def es256_by_hand(key: SigningKey, header: dict[str, Any] | bytes, payload: dict[str, Any]) -> str:
    """Signed with the real key through PyJWT's ES256 algorithm, whatever the header says."""
    return by_hand(
        header, payload, lambda data: jwt.get_algorithm_by_name("ES256").sign(data, key.private_key)
    )


# Algorithm attacks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_token_with_alg_none_is_refused(verifier: TokenVerifier, alg: str) -> None:
    token = by_hand({"alg": alg, "kid": "es-1", "typ": "JWT"}, claims(scope="admin"))
    assert reason_of(verifier, token) == "alg_none"


def test_hs256_signed_with_the_public_key_pem_as_secret_is_refused(
    verifier: TokenVerifier, es_key: SigningKey
) -> None:
    public_pem = es_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = hs256_by_hand(public_pem, {"alg": "HS256", "typ": "JWT", "kid": "es-1"}, claims(scope="admin"))
    assert reason_of(verifier, token) == "alg_mismatch"


def test_hs256_signed_with_the_published_jwk_as_secret_is_refused(
    verifier: TokenVerifier, ed_key: SigningKey
) -> None:
    jwk_text = json.dumps(ed_key.public().jwk()).encode()
    token = hs256_by_hand(jwk_text, {"alg": "HS256", "kid": "ed-1"}, claims(scope="admin"))
    assert reason_of(verifier, token) == "alg_mismatch"


def test_rs256_token_from_an_attacker_key_under_a_trusted_kid_is_refused(verifier: TokenVerifier) -> None:
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = signed(attacker, claims(), "RS256", kid="es-1")
    assert reason_of(verifier, token) == "alg_mismatch"


def test_es256_token_under_an_eddsa_pinned_kid_is_refused(verifier: TokenVerifier) -> None:
    attacker = ec.generate_private_key(ec.SECP256R1())
    token = signed(attacker, claims(), "ES256", kid="ed-1")
    assert reason_of(verifier, token) == "alg_mismatch"


# Header injection -----------------------------------------------------------------------------------


def _attacker_jwk(attacker: Any) -> dict[str, Any]:
    return dict(json.loads(jwt.algorithms.ECAlgorithm.to_jwk(attacker.public_key())))


@pytest.mark.parametrize("member", ["jwk", "jku", "x5u", "x5c"])
def test_key_named_in_the_header_is_refused(verifier: TokenVerifier, member: str) -> None:
    attacker = ec.generate_private_key(ec.SECP256R1())
    values: dict[str, Any] = {
        "jwk": _attacker_jwk(attacker),
        "jku": "https://attacker.example/jwks.json",
        "x5u": "https://attacker.example/cert.pem",
        "x5c": ["MIIBszCCAVmgAwIBAgIUattacker"],
    }
    token = signed(attacker, claims(), "ES256", kid="es-1", **{member: values[member]})
    assert reason_of(verifier, token) == "header_injection"


def test_critical_header_extension_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    token = signed(es_key.private_key, claims(), "ES256", kid="es-1", crit=["exp"], exp=NOW)
    assert reason_of(verifier, token) == "unsupported_header"


# Key ids --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kid",
    [
        "../../../../etc/passwd",
        "/dev/null",
        "es-1/../ed-1",
        "es-1' OR '1'='1",
        "es-1; DROP TABLE keys; --",
        "es-1\x00",
        "es-1\n",
        "",
        "k" * 65,
        123,
    ],
)
def test_kid_with_path_or_sql_characters_is_refused(
    verifier: TokenVerifier, es_key: SigningKey, kid: Any
) -> None:
    token = es256_by_hand(es_key, {"alg": "ES256", "kid": kid}, claims())
    assert reason_of(verifier, token) == "bad_kid"


def test_token_without_a_kid_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    token = signed(es_key.private_key, claims(), "ES256")
    assert reason_of(verifier, token) == "bad_kid"


def test_untrusted_kid_is_refused(verifier: TokenVerifier) -> None:
    attacker = SigningKey.generate("attacker-1", "ES256")
    token = signed(attacker.private_key, claims(), "ES256", kid="attacker-1")
    assert reason_of(verifier, token) == "unknown_kid"


# Signatures -----------------------------------------------------------------------------------------


def test_token_signed_by_another_key_under_a_trusted_kid_is_refused(verifier: TokenVerifier) -> None:
    attacker = ec.generate_private_key(ec.SECP256R1())
    token = signed(attacker, claims(scope="admin"), "ES256", kid="es-1")
    assert reason_of(verifier, token) == "bad_signature"


def test_payload_swapped_under_a_genuine_signature_is_refused(
    verifier: TokenVerifier, ed_key: SigningKey
) -> None:
    genuine = signed(ed_key.private_key, claims(), "EdDSA", kid="ed-1")
    header, _, signature = genuine.split(".")
    escalated = base64url_encode(json.dumps(claims(scope="admin")).encode()).decode()
    assert reason_of(verifier, f"{header}.{escalated}.{signature}") == "bad_signature"


def test_signature_stripped_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    genuine = signed(es_key.private_key, claims(), "ES256", kid="es-1")
    assert reason_of(verifier, genuine.rsplit(".", 1)[0] + ".") == "bad_signature"


# Claims (signed with the real key: what a compromised or buggy issuer could emit) ------------------


def test_wrong_audience_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    token = signed(es_key.private_key, claims(aud="billing-api"), "ES256", kid="es-1")
    assert reason_of(verifier, token) == "wrong_audience"


def test_wrong_issuer_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    token = signed(es_key.private_key, claims(iss="https://other-issuer.example"), "ES256", kid="es-1")
    assert reason_of(verifier, token) == "wrong_issuer"


def test_expired_token_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    token = signed(
        es_key.private_key, claims(iat=NOW - 900, nbf=NOW - 900, exp=NOW - 600), "ES256", kid="es-1"
    )
    assert reason_of(verifier, token) == "expired"


def test_not_yet_valid_token_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    token = signed(es_key.private_key, claims(nbf=NOW + 600, exp=NOW + 900), "ES256", kid="es-1")
    assert reason_of(verifier, token) == "not_yet_valid"


def test_token_living_longer_than_the_maximum_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    token = signed(es_key.private_key, claims(exp=NOW + 30 * 86400), "ES256", kid="es-1")
    assert reason_of(verifier, token) == "lifetime_too_long"


def test_duplicate_claims_are_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    body = json.dumps(claims(scope="chat:read"))[:-1] + ', "scope": "admin"}'
    token = signed(es_key.private_key, body.encode(), "ES256", kid="es-1")
    assert reason_of(verifier, token) == "duplicate_claim"


def test_duplicate_header_members_are_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    token = es256_by_hand(es_key, b'{"alg": "ES256", "kid": "ed-1", "kid": "es-1"}', claims())
    assert reason_of(verifier, token) == "duplicate_claim"


def test_invalid_utf8_in_claims_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    body = json.dumps(claims(sub="PLACEHOLDER")).encode().replace(b"PLACEHOLDER", b"alice\xff\xfe")
    token = signed(es_key.private_key, body, "ES256", kid="es-1")
    assert reason_of(verifier, token) == "invalid_utf8"


def test_lone_surrogate_escape_in_claims_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    body = json.dumps(claims(sub="PLACEHOLDER")).encode().replace(b"PLACEHOLDER", b"alice\\ud800")
    token = signed(es_key.private_key, body, "ES256", kid="es-1")
    assert reason_of(verifier, token) == "invalid_utf8"


@pytest.mark.parametrize(
    ("name", "value"),
    [("exp", "tomorrow"), ("exp", True), ("jti", None), ("sub", ""), ("tenant", "../acme"), ("scope", ["a"])],
)
def test_claim_of_the_wrong_type_or_shape_is_refused(
    verifier: TokenVerifier, es_key: SigningKey, name: str, value: Any
) -> None:
    token = signed(es_key.private_key, claims(**{name: value}), "ES256", kid="es-1")
    assert reason_of(verifier, token) == "bad_claim"


# Shape and size -------------------------------------------------------------------------------------


def test_one_megabyte_token_is_refused(verifier: TokenVerifier, es_key: SigningKey) -> None:
    token = signed(es_key.private_key, claims(pad="x" * (1 << 20)), "ES256", kid="es-1")
    assert reason_of(verifier, token) == "too_large"


def test_token_just_over_eight_kib_is_refused(verifier: TokenVerifier) -> None:
    assert reason_of(verifier, "a" * (8 * 1024 + 1)) == "too_large"


@pytest.mark.parametrize(
    "token",
    [
        "only.two",
        "a.b.c.d",
        "e30.e30.e30",  # "{}" everywhere: a header without alg
        "W10.e30.AA",  # header "[]"
        "not*base64.e30.AA",
        "eyJhbGciOiJFUzI1NiJ9.é.AA",
    ],
)
def test_malformed_token_is_refused(verifier: TokenVerifier, token: str) -> None:
    assert reason_of(verifier, token) == "malformed"


def test_audience_list_naming_ours_is_accepted(verifier: TokenVerifier, es_key: SigningKey) -> None:
    import asyncio

    token = signed(es_key.private_key, claims(aud=["other", AUDIENCE]), "ES256", kid="es-1")
    assert asyncio.run(verifier.verify(token, audience=AUDIENCE)).aud == AUDIENCE


def test_deeply_nested_claims_are_refused_without_a_crash(
    verifier: TokenVerifier, es_key: SigningKey
) -> None:
    body = json.dumps(claims())[:-1] + ', "x": ' + "[" * 900 + '"\\u00e9"' + "]" * 900 + "}"
    token = signed(es_key.private_key, body.encode(), "ES256", kid="es-1")
    assert reason_of(verifier, token) in {"malformed", "too_large"}
