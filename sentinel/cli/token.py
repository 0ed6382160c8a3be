"""``sentinel token``: keygen, issue, verify, revoke and rotate scoped tokens (ES256 / EdDSA).

Exit codes: 0 done (a valid token for ``verify``), 1 a token refused (the reason is printed), 2 usage
errors. The runtime modules are imported inside each command, so the CI commands never need the
``[runtime]`` extra; without it the command says so in one line (exit 2).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sentinel.errors import UsageError

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from sentinel.runtime.identity.audit import IdentityAudit
    from sentinel.runtime.identity.keys import VerificationKey

T = TypeVar("T")

MISSING_EXTRA = "sentinel token needs the runtime extra: pip install 'sentinel-policy[runtime]'"
_EXTRA_MODULES = {"jwt", "cryptography", "redis", "rfc8785", "pydantic", "starlette"}
MAX_TOKEN_INPUT = 1024 * 1024


def _runtime(load: Callable[[], T]) -> T:
    """``load()`` (which imports runtime modules), turning a missing extra into one usage line. PyJWT and
    cryptography are checked first: the identity modules import them only when a token is handled."""
    try:
        importlib.import_module("jwt")
        importlib.import_module("cryptography.hazmat.primitives.asymmetric.ec")
        return load()
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in _EXTRA_MODULES:
            raise UsageError(MISSING_EXTRA) from None
        raise


def _passphrase(env_name: str | None) -> bytes | None:
    if env_name is None:
        return None
    value = os.environ.get(env_name)
    if not value:
        raise UsageError(f"--passphrase-env {env_name}: that environment variable is not set")
    return value.encode()


def _read_token(token: str) -> str:
    """The token argument, or stdin for ``-`` (keeps tokens out of shell history and ``ps``)."""
    if token != "-":
        return token
    data = sys.stdin.buffer.read(MAX_TOKEN_INPUT + 1)
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        return data.decode("latin-1").strip()  # not a token; the verifier refuses it with its reason


def _run(coroutine: Awaitable[T]) -> T:
    async def main() -> T:
        return await coroutine

    return asyncio.run(main())


def _redis(url: str) -> Redis:
    from sentinel.runtime.bundles.cache import connect

    try:
        return connect(url)
    except ValueError as exc:
        raise UsageError(f"--redis-url: {exc}") from None


def _audit(client: Redis) -> IdentityAudit:
    from sentinel.runtime.events.redis_streams import RedisStreamsBus
    from sentinel.runtime.identity.audit import IdentityAudit

    return IdentityAudit(RedisStreamsBus(client), actor="user:sentinel-cli")


@click.group("token")
def token() -> None:
    """Scoped, short-lived JWTs (ES256 or EdDSA): keygen, issue, verify, revoke, rotate."""


@token.command("keygen")
@click.option("--algorithm", type=click.Choice(["ES256", "EdDSA"]), default="ES256", show_default=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Private key file to create (0600; never overwritten).")
@click.option("--public-out", type=click.Path(dir_okay=False), help="Also write the public key (PEM).")
@click.option("--jwks-out", type=click.Path(dir_okay=False), help="Also write a JWKS with the public key.")
@click.option("--kid", default="k1", show_default=True, help="Key id (for --jwks-out).")
@click.option("--passphrase-env", help="Encrypt the private key with the passphrase in this variable.")
def keygen(
    algorithm: str,
    out: str,
    public_out: str | None,
    jwks_out: str | None,
    kid: str,
    passphrase_env: str | None,
) -> None:
    """Create a signing key pair."""

    def load() -> tuple[Any, Any, Any]:
        from sentinel.runtime.identity.keys import SigningKey, public_pem
        from sentinel.runtime.identity.keystore import write_key_file

        return SigningKey, public_pem, write_key_file

    signing_key_cls, public_pem, write_key_file = _runtime(load)
    key = signing_key_cls.generate(kid, algorithm)
    write_key_file(Path(out), key, _passphrase(passphrase_env))
    if public_out:
        Path(public_out).write_bytes(public_pem(key.public()))
    if jwks_out:
        Path(jwks_out).write_text(json.dumps({"keys": [key.public().jwk()]}, indent=2) + "\n")
    click.echo(f"wrote {algorithm} key {kid!r} to {out}")


@token.command("issue")
@click.option("--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Private key (PEM; 0600 or encrypted).")
@click.option("--kid", required=True, help="The key's id (written in the token header).")
@click.option("--sub", required=True, help="Subject.")
@click.option("--aud", required=True, help="Audience.")
@click.option("--scope", default="", help='Space-separated scopes, e.g. "chat:read chat:write".')
@click.option("--tenant", help="Tenant id.")
@click.option("--ttl", type=click.IntRange(1, 86400), default=300, show_default=True, help="Lifetime (s).")
@click.option("--max-ttl", type=click.IntRange(1, 86400), default=3600, show_default=True)
@click.option("--iss", default="sentinel", show_default=True, help="Issuer.")
@click.option("--constitution-hash", help="Embed this constitution hash (64 hex).")
@click.option("--passphrase-env", help="The key's passphrase is in this environment variable.")
def issue(
    key_path: str,
    kid: str,
    sub: str,
    aud: str,
    scope: str,
    tenant: str | None,
    ttl: int,
    max_ttl: int,
    iss: str,
    constitution_hash: str | None,
    passphrase_env: str | None,
) -> None:
    """Print a signed token (an offline operator tool: no audit receipt; services use the issue route)."""

    def load() -> tuple[Any, Any, Any, Any]:
        from sentinel.runtime.identity.keystore import read_key_file
        from sentinel.runtime.identity.ports import FixedConstitution, StaticKeys
        from sentinel.runtime.identity.tokens import TokenIssuer

        return read_key_file, FixedConstitution, StaticKeys, TokenIssuer

    read_key_file, fixed, static_keys, issuer_cls = _runtime(load)
    if ttl > max_ttl:
        raise UsageError(f"--ttl {ttl} is longer than --max-ttl {max_ttl}")
    key = read_key_file(Path(key_path), kid, _passphrase(passphrase_env))
    constitution = fixed({"default": constitution_hash}) if constitution_hash else None
    if constitution_hash is not None and not _is_hash(constitution_hash):
        raise UsageError("--constitution-hash must be 64 lowercase hex digits")
    issuer = issuer_cls(
        static_keys(key),
        issuer=iss,
        default_ttl_s=min(300, max_ttl),
        max_ttl_s=max_ttl,
        constitution=constitution,
    )
    click.echo(_run(issuer.issue(sub=sub, aud=aud, scope=scope, tenant=tenant, ttl_s=ttl)))


def _is_hash(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _verification_keys(key_path: str | None, kid: str | None, jwks: str | None, token_text: str) -> list[Any]:
    from sentinel.runtime.identity.keys import load_jwks, load_public_pem, valid_kid

    if (key_path is None) == (jwks is None):
        raise UsageError("give exactly one of --key PUBLIC.pem or --jwks FILE")
    if jwks is not None:
        if kid is not None:
            raise UsageError("--kid goes with --key; a JWKS names its keys")
        return load_jwks(Path(jwks).read_bytes())
    assert key_path is not None
    if kid is None:
        claimed = _header_kid(token_text)
        kid = claimed if claimed is not None and valid_kid(claimed) else "cli"
    keys: list[VerificationKey] = [load_public_pem(Path(key_path).read_bytes(), kid)]
    return keys


def _header_kid(token_text: str) -> str | None:
    """The kid the token claims, used only to file the given key under it (the algorithm stays the key's)."""
    from sentinel.runtime.identity.tokens import unverified_part

    try:
        header = unverified_part(token_text.split(".")[0][:4096], "header")
    except Exception:  # any unreadable header: the verifier reports the precise reason
        return None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


@token.command("verify")
@click.argument("token_arg", metavar="TOKEN")
@click.option("--key", "key_path", type=click.Path(exists=True, dir_okay=False), help="Public key (PEM).")
@click.option("--kid", help="The key id of --key (default: the token's kid).")
@click.option("--jwks", type=click.Path(exists=True, dir_okay=False), help="A JWKS file of trusted keys.")
@click.option("--aud", required=True, help="The audience the token must be meant for.")
@click.option("--iss", default="sentinel", show_default=True, help="The expected issuer.")
@click.option("--max-ttl", type=click.IntRange(1, 86400), default=3600, show_default=True)
@click.option("--leeway", type=click.IntRange(0, 300), default=5, show_default=True, help="Clock leeway (s).")
@click.option("--redis-url", help="Also check the revocation list in this Redis.")
def verify(
    token_arg: str,
    key_path: str | None,
    kid: str | None,
    jwks: str | None,
    aud: str,
    iss: str,
    max_ttl: int,
    leeway: int,
    redis_url: str | None,
) -> None:
    """Check TOKEN ("-" reads stdin): print its claims (exit 0) or the reason it is refused (exit 1)."""
    text = _read_token(token_arg)
    keys = _runtime(lambda: _verification_keys(key_path, kid, jwks, text))
    result = _runtime(lambda: _run(_verify(text, keys, aud, iss, max_ttl, leeway, redis_url)))
    if isinstance(result, tuple):
        reason, message = result
        click.echo(f"token refused: {reason}: {message}", err=True)
        sys.exit(1)
    click.echo(json.dumps(result, indent=2, sort_keys=True))


async def _verify(
    text: str, keys: list[Any], aud: str, iss: str, max_ttl: int, leeway: int, redis_url: str | None
) -> dict[str, Any] | tuple[str, str]:
    from sentinel.runtime.identity.errors import TokenError
    from sentinel.runtime.identity.ports import StaticKeys
    from sentinel.runtime.identity.revocation import Revocations
    from sentinel.runtime.identity.tokens import TokenVerifier

    client = _redis(redis_url) if redis_url else None
    try:
        verifier = TokenVerifier(
            StaticKeys(verification=keys),
            issuer=iss,
            revocations=Revocations(client) if client is not None else None,
            leeway_s=leeway,
            max_ttl_s=max_ttl,
        )
        claims = await verifier.verify(text, audience=aud)
    except TokenError as exc:
        return exc.reason, exc.message
    finally:
        if client is not None:
            await client.aclose()
    return dict(claims.raw)


@token.command("revoke")
@click.argument("token_arg", metavar="[TOKEN]", required=False)
@click.option("--jti", help="Revoke this token id (instead of TOKEN).")
@click.option("--expires-at", type=int, help="With --jti: the token's exp (epoch seconds).")
@click.option("--redis-url", required=True, help="Redis holding the revocation list.")
@click.option("--requester", default=None, help="Who revokes (written in the audit receipt).")
@click.option("--correlation-id", default=None, help="Correlation id for the audit receipt.")
def revoke(
    token_arg: str | None,
    jti: str | None,
    expires_at: int | None,
    redis_url: str,
    requester: str | None,
    correlation_id: str | None,
) -> None:
    """Put a token id on the deny-list until the token expires (TOKEN, "-" for stdin, or --jti/--expires-at).

    The token's own signature is not needed: revoking only ever denies more."""
    if (token_arg is None) == (jti is None):
        raise UsageError("give TOKEN or --jti (with --expires-at), not both")
    if token_arg is not None:
        jti, expires_at = _runtime(lambda: _unverified_jti(_read_token(token_arg)))
    if expires_at is None:
        raise UsageError("--jti needs --expires-at (the token's exp, epoch seconds)")
    assert jti is not None
    jti_value, exp_value = jti, expires_at

    async def run() -> int:
        from sentinel.runtime.identity.revocation import Revocations

        client = _redis(redis_url)
        try:
            return await Revocations(client, audit=_audit(client)).revoke(
                jti_value, exp_value, now=time.time(), requester=requester, correlation_id=correlation_id
            )
        except ValueError as exc:
            raise UsageError(f"--jti: {exc}") from None
        finally:
            await client.aclose()

    ttl = _runtime(lambda: _run(run()))
    click.echo(f"revoked {jti_value} for {ttl} s")


def _unverified_jti(text: str) -> tuple[str, int]:
    from sentinel.runtime.identity.errors import TokenError
    from sentinel.runtime.identity.tokens import unverified_part

    parts = text.split(".")
    if len(parts) != 3 or len(text) > MAX_TOKEN_INPUT:
        raise UsageError("TOKEN is not a compact JWT")
    try:
        claims = unverified_part(parts[1], "payload")
    except TokenError as exc:
        raise UsageError(f"TOKEN cannot be read: {exc.reason}") from None
    jti, exp = claims.get("jti"), claims.get("exp")
    if not isinstance(jti, str) or isinstance(exp, bool) or not isinstance(exp, int):
        raise UsageError("TOKEN has no jti and exp claims; use --jti and --expires-at")
    return jti, exp


@token.command("rotate")
@click.option("--redis-url", required=True, help="Redis holding the key ring metadata.")
@click.option("--keys", "keys_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Key store folder (private keys, 0600 or encrypted).")
@click.option("--passphrase-env", help="The key store's passphrase is in this environment variable.")
@click.option("--algorithm", type=click.Choice(["ES256", "EdDSA"]), default="ES256", show_default=True)
@click.option("--period", type=click.IntRange(60), default=7 * 86400, show_default=True,
              help="Seconds a key signs before the next one takes over.")
@click.option("--grace", type=click.IntRange(0), default=3600, show_default=True,
              help="Seconds a new key is published before it signs (> every verifier's JWKS cache time).")
@click.option("--max-ttl", type=click.IntRange(1), default=3600, show_default=True,
              help="The longest token lifetime: an old key verifies this long after the switch.")
@click.option("--force", is_flag=True, help="Create the next key now (e.g. after a suspected leak).")
@click.option("--retire", "retire_kid", help="Remove this key from the ring now (a leaked key): its tokens "
              "are refused, its private key deleted.")
@click.option("--requester", default=None, help="Who rotates (written in the audit receipts).")
def rotate(
    redis_url: str,
    keys_dir: str,
    passphrase_env: str | None,
    algorithm: str,
    period: int,
    grace: int,
    max_ttl: int,
    force: bool,
    retire_kid: str | None,
    requester: str | None,
) -> None:
    """Do the rotation steps that are due (or retire one key) and print the key ring."""
    passphrase = _passphrase(passphrase_env)

    async def run() -> tuple[list[tuple[str, str]], list[Any]]:
        from sentinel.runtime.identity.keystore import FileKeyStore
        from sentinel.runtime.identity.rotation import KeyRotation, RotationPolicy

        try:
            policy = RotationPolicy(
                algorithm=algorithm, period_s=period, grace_s=grace, max_token_ttl_s=max_ttl
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        client = _redis(redis_url)
        try:
            ring = KeyRotation(
                client, FileKeyStore(keys_dir, passphrase=passphrase), policy=policy, audit=_audit(client)
            )
            if retire_kid is not None:
                steps = await ring.retire(retire_kid, requester=requester)
                if not steps:
                    raise UsageError(f"--retire {retire_kid}: no such key in the ring")
            else:
                steps = await ring.rotate(force=force, requester=requester)
            return steps, await ring.ring()
        finally:
            await client.aclose()

    steps, ring = _runtime(lambda: _run(run()))
    for event, kid in steps:
        click.echo(f"{event} {kid}")
    for meta in ring:
        click.echo(
            f"{meta.kid} {meta.alg} {meta.state} "
            f"activates_at={meta.activates_at} retires_at={meta.retires_at}"
        )

