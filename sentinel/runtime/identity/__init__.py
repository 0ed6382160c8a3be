"""Scoped, short-lived tokens: keys, issuing, verifying, rotation, revocation (``[runtime]`` extra).

Importing this package needs only the standard library; PyJWT, cryptography, redis-py and Starlette are
imported when a key is loaded, a token handled, Redis used or a route built.
"""

from __future__ import annotations

from sentinel.runtime.identity.audit import IdentityAudit
from sentinel.runtime.identity.errors import (
    IdentityUnavailable,
    IssueError,
    KeyStoreError,
    TokenError,
    http_status,
)
from sentinel.runtime.identity.jwks_client import JwksClient
from sentinel.runtime.identity.keys import SigningKey, VerificationKey, load_jwks, valid_kid
from sentinel.runtime.identity.keystore import FileKeyStore, KeyStore
from sentinel.runtime.identity.ports import (
    ConstitutionSource,
    FixedConstitution,
    ReaderConstitution,
    SigningKeySource,
    StaticKeys,
    VerificationKeySource,
)
from sentinel.runtime.identity.revocation import Revocations
from sentinel.runtime.identity.rotation import KeyRotation, RotationPolicy
from sentinel.runtime.identity.routes import issue_route, jwks_route
from sentinel.runtime.identity.tokens import Claims, IssuedToken, TokenIssuer, TokenVerifier

__all__ = [
    "Claims",
    "ConstitutionSource",
    "FileKeyStore",
    "FixedConstitution",
    "IdentityAudit",
    "IdentityUnavailable",
    "IssueError",
    "IssuedToken",
    "JwksClient",
    "KeyRotation",
    "KeyStore",
    "KeyStoreError",
    "ReaderConstitution",
    "Revocations",
    "RotationPolicy",
    "SigningKey",
    "SigningKeySource",
    "StaticKeys",
    "TokenError",
    "TokenIssuer",
    "TokenVerifier",
    "VerificationKey",
    "VerificationKeySource",
    "http_status",
    "issue_route",
    "jwks_route",
    "load_jwks",
    "valid_kid",
]
