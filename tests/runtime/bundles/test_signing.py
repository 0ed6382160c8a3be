"""Signatures: the algorithm is pinned per key id; forged, unsigned and out-of-date tokens are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from sentinel.runtime.bundles.archive import read_archive, write_archive
from sentinel.runtime.bundles.build import build_bundle, sign_bundle
from sentinel.runtime.bundles.errors import KeyLoadError, VerificationError
from sentinel.runtime.bundles.hashing import file_entries
from sentinel.runtime.bundles.reader import read_bundle
from sentinel.runtime.bundles.signing import KeySet, load_signing_key
from tests.runtime.bundles.conftest import private_pem, public_pem


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def with_token(archive: bytes, token: str) -> bytes:
    files = read_archive(archive)
    files[".signatures.json"] = json.dumps({"signatures": [token]}).encode()
    return write_archive(files)


def payload_for(archive: bytes, **extra: Any) -> dict[str, Any]:
    files = {n: b for n, b in read_archive(archive).items() if n != ".signatures.json"}
    return {"files": file_entries(files), **extra}


def refusal(archive: bytes, keys: KeySet, **kwargs: Any) -> str:
    with pytest.raises(VerificationError) as caught:
        read_bundle(archive, keys=keys, **kwargs)
    return caught.value.reason


@pytest.fixture
def unsigned(policy_dir: Path) -> bytes:
    return build_bundle([policy_dir], revision="r1")


def test_a_bundle_signed_with_each_supported_algorithm_verifies(
    unsigned: bytes, ec_key: Any, rsa_key: Any, ed_key: Any
) -> None:
    for key, alg in [(ec_key, "ES256"), (rsa_key, "RS256"), (rsa_key, "PS256"), (ed_key, "EdDSA")]:
        signed, _ = sign_bundle(unsigned, load_signing_key(private_pem(key), "k1", alg))
        bundle = read_bundle(signed, keys=KeySet.from_pem(public_pem(key), "k1", alg))
        assert bundle.signed_by == "k1"


def test_a_token_with_alg_none_is_refused(unsigned: bytes, ec_key: Any) -> None:
    token = f"{b64({'alg': 'none', 'kid': 'k1'})}.{b64(payload_for(unsigned))}."
    assert refusal(with_token(unsigned, token), KeySet.from_pem(public_pem(ec_key), "k1")) == "alg_none"


def test_an_hs256_token_keyed_with_the_public_key_is_refused(unsigned: bytes, rsa_key: Any) -> None:
    # The classic confusion attack: HMAC over the token with the verifier's public PEM as the secret.
    signing_input = f"{b64({'alg': 'HS256', 'kid': 'k1', 'typ': 'JWT'})}.{b64(payload_for(unsigned))}"
    mac = hmac.new(public_pem(rsa_key), signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert (
        refusal(with_token(unsigned, token), KeySet.from_pem(public_pem(rsa_key), "k1")) == "alg_symmetric"
    )


def test_an_unknown_key_id_is_refused(unsigned: bytes, ec_key: Any) -> None:
    signed, _ = sign_bundle(unsigned, load_signing_key(private_pem(ec_key), "stranger"))
    assert refusal(signed, KeySet.from_pem(public_pem(ec_key), "k1")) == "unknown_kid"


def test_an_expired_signing_key_is_refused(unsigned: bytes, ec_key: Any) -> None:
    signed, _ = sign_bundle(unsigned, load_signing_key(private_pem(ec_key), "k1"))
    expired = datetime.now(UTC) - timedelta(days=1)
    assert refusal(signed, KeySet.from_pem(public_pem(ec_key), "k1", not_after=expired)) == "key_expired"


def test_an_expired_certificate_expires_its_key(unsigned: bytes, ec_key: Any) -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bundle signer")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ec_key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now - timedelta(days=1))
        .sign(ec_key, hashes.SHA256())
    )
    from cryptography.hazmat.primitives.serialization import Encoding

    signed, _ = sign_bundle(unsigned, load_signing_key(private_pem(ec_key), "k1"))
    assert refusal(signed, KeySet.from_pem(cert.public_bytes(Encoding.PEM), "k1")) == "key_expired"


def test_a_token_naming_another_algorithm_than_the_pinned_one_is_refused(
    unsigned: bytes, rsa_key: Any
) -> None:
    signed, _ = sign_bundle(unsigned, load_signing_key(private_pem(rsa_key), "k1", "PS256"))
    assert refusal(signed, KeySet.from_pem(public_pem(rsa_key), "k1", "RS256")) == "alg_mismatch"


def test_a_signature_by_another_key_is_refused(unsigned: bytes, ec_key: Any, other_ec_key: Any) -> None:
    signed, _ = sign_bundle(unsigned, load_signing_key(private_pem(other_ec_key), "k1"))
    assert refusal(signed, KeySet.from_pem(public_pem(ec_key), "k1")) == "bad_signature"


def test_a_key_that_does_not_fit_its_algorithm_is_refused(ec_key: Any) -> None:
    with pytest.raises(KeyLoadError, match="key_alg_mismatch"):
        KeySet.from_pem(public_pem(ec_key), "k1", "RS256")


def test_keys_from_a_jwks_verify_with_their_pinned_algorithm(unsigned: bytes, ed_key: Any) -> None:
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(ed_key.public_key()))
    keys = KeySet.from_jwks(json.dumps({"keys": [dict(jwk, kid="ed1", alg="EdDSA")]}).encode())
    signed, _ = sign_bundle(unsigned, load_signing_key(private_pem(ed_key), "ed1"))
    assert read_bundle(signed, keys=keys).signed_by == "ed1"


def test_a_jwks_key_without_an_algorithm_is_refused(ec_key: Any) -> None:
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key()))
    with pytest.raises(KeyLoadError, match="alg"):
        KeySet.from_jwks(json.dumps({"keys": [dict(jwk, kid="k1")]}).encode())


def test_a_jwks_symmetric_key_is_refused() -> None:
    jwks = {"keys": [{"kty": "oct", "kid": "k1", "alg": "HS256", "k": "c2VjcmV0"}]}
    with pytest.raises(KeyLoadError, match="alg_symmetric"):
        KeySet.from_jwks(json.dumps(jwks).encode())


def test_a_jwks_key_past_its_exp_is_refused(unsigned: bytes, ec_key: Any) -> None:
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key()))
    past = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
    keys = KeySet.from_jwks(json.dumps({"keys": [dict(jwk, kid="k1", alg="ES256", exp=past)]}).encode())
    signed, _ = sign_bundle(unsigned, load_signing_key(private_pem(ec_key), "k1"))
    assert refusal(signed, keys) == "key_expired"


def test_the_signature_payload_has_opas_shape(unsigned: bytes, ec_key: Any) -> None:
    signed, _ = sign_bundle(unsigned, load_signing_key(private_pem(ec_key), "k1"), scope="prod")
    token = json.loads(read_archive(signed)[".signatures.json"])["signatures"][0]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (header["alg"], header["kid"]) == ("ES256", "k1")
    assert claims["keyid"] == "k1" and claims["scope"] == "prod"
    assert {f["name"] for f in claims["files"]} == {".manifest", "authz/data.json", "authz/policy.rego"}
    assert {f["algorithm"] for f in claims["files"]} == {"SHA-256"}


@pytest.mark.parametrize(("curve", "alg"), [("secp384r1", "ES384"), ("secp521r1", "ES512")])
def test_larger_ec_curves_sign_and_verify_with_their_algorithm(
    unsigned: bytes, curve: str, alg: str
) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1() if curve == "secp384r1" else ec.SECP521R1())
    signed, _ = sign_bundle(unsigned, load_signing_key(private_pem(key), "k1"))
    assert read_bundle(signed, keys=KeySet.from_pem(public_pem(key), "k1")).signed_by == "k1"
    assert (
        jwt.get_unverified_header(json.loads(read_archive(signed)[".signatures.json"])["signatures"][0])[
            "alg"
        ]
        == alg
    )
