"""Errors of the identity package: each carries a stable ``reason`` code that tests, logs and the gateway
use; messages never contain a token or a key."""

from __future__ import annotations

from sentinel.errors import SentinelError

# Reasons a verifier gives. A gateway answers 401 for all of them except UNAVAILABLE and NO_CONSTITUTION
# (503: the check itself could not be made, so nothing is allowed); see ``http_status``.
ALG_NONE = "alg_none"
ALG_MISMATCH = "alg_mismatch"
HEADER_INJECTION = "header_injection"
UNSUPPORTED_HEADER = "unsupported_header"
BAD_KID = "bad_kid"
UNKNOWN_KID = "unknown_kid"
BAD_SIGNATURE = "bad_signature"
WRONG_AUDIENCE = "wrong_audience"
WRONG_ISSUER = "wrong_issuer"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
LIFETIME_TOO_LONG = "lifetime_too_long"
REVOKED = "revoked"
CONSTITUTION_MISMATCH = "constitution_mismatch"
NO_CONSTITUTION = "no_constitution"
DUPLICATE_CLAIM = "duplicate_claim"
INVALID_UTF8 = "invalid_utf8"
MALFORMED = "malformed"
BAD_CLAIM = "bad_claim"
TOO_LARGE = "too_large"
UNAVAILABLE = "unavailable"


class TokenError(Exception):
    """A token was refused; ``reason`` is one of the codes above, ``message`` says why in words."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class KeyStoreError(SentinelError):
    """A key could not be created, read or trusted (permissions, encryption, type, kid)."""


class IssueError(SentinelError):
    """A token could not be issued (no signing key, no constitution, audit not recorded, bad request)."""


class IdentityUnavailable(SentinelError):
    """Redis (rotation metadata, revocations) or the constitution source could not be reached."""


# Refusals that say "could not check" rather than "bad token": a gateway answers 503 for them.
UNAVAILABLE_REASONS = frozenset({UNAVAILABLE, NO_CONSTITUTION})


def http_status(reason: str) -> int:
    """The status a gateway answers for a refused token: 503 when the check could not be made, else 401."""
    return 503 if reason in UNAVAILABLE_REASONS else 401
