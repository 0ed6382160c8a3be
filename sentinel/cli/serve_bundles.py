"""``sentinel serve --bundle FILE`` and ``sentinel serve --bundle-url URL``: decisions from signed bundles.

Called by ``sentinel serve`` (``serve.py``) when a bundle option is given. Every bundle is verified
with ``--verification-key``/``--jwks`` before it is served; there is no way to serve an unverified one.
Runtime modules are imported here, inside the function, so ``sentinel --help`` never loads them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import click

from sentinel.cli.bundle import read_small
from sentinel.errors import SentinelError, UsageError

F = TypeVar("F", bound=Callable[..., Any])

MISSING_EXTRA = "sentinel serve needs the runtime extra: pip install 'sentinel-policy[runtime]'"
_EXTRA_MODULES = {
    "starlette", "uvicorn", "pydantic", "prometheus_client", "rfc8785", "anyio", "h11", "httpx", "redis",
    "jwt", "cryptography", "yaml", "orjson", "regorus",
}  # fmt: skip


@dataclass(frozen=True)
class BundleOptions:
    bundle: str | None = None
    bundle_url: str | None = None
    bundle_tenant: str | None = None
    verification_key: str | None = None
    verification_key_id: str = "default"
    jwks: str | None = None
    scope: str | None = None
    bundle_cache_dir: str | None = None
    redis_url: str | None = None
    poll_interval: float = 300.0
    long_poll: int | None = None

    @property
    def wanted(self) -> bool:
        return self.bundle is not None or self.bundle_url is not None


_OPTIONS = (
    click.option("--bundle", type=click.Path(exists=True, dir_okay=False),
                 help="Serve this signed bundle (verified with --verification-key/--jwks; SIGHUP re-reads)."),
    click.option("--bundle-url", help="Poll this URL for a signed bundle (ETag, 304, keep-last-good)."),
    click.option("--bundle-tenant", help="Tenant the --bundle-url bundle serves (default: every tenant)."),
    click.option("--verification-key", type=click.Path(exists=True, dir_okay=False),
                 help="PEM public key (or certificate) that bundles must be signed with."),
    click.option("--verification-key-id", default="default", show_default=True,
                 help="Key id of --verification-key."),
    click.option("--jwks", type=click.Path(exists=True, dir_okay=False),
                 help="JWK Set of trusted bundle signing keys (each with 'kid' and 'alg')."),
    click.option("--scope", help="Scope the bundle signature must carry."),
    click.option("--bundle-cache-dir", type=click.Path(file_okay=False),
                 help="Folder keeping the last good bundle, served at start-up before the first download."),
    click.option("--redis-url", help="Write constitution:{tenant} and publish constitution.updated here."),
    click.option("--poll-interval", default=300.0, show_default=True, type=click.FloatRange(0.1, 86400),
                 help="Seconds between polls (with 10% jitter)."),
    click.option("--long-poll", type=click.IntRange(1, 3600),
                 help="Ask the server to hold each poll up to N seconds (OPA's Prefer: wait=N)."),
)  # fmt: skip


def bundle_options(command: F) -> F:
    """The ``sentinel serve`` options of this module (their values arrive as ``BundleOptions`` fields)."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def options_from(values: dict[str, Any]) -> BundleOptions:
    names = {field.name for field in fields(BundleOptions)}
    return BundleOptions(**{k: v for k, v in values.items() if k in names})


def _keys(options: BundleOptions) -> Any:
    from sentinel.runtime.bundles.errors import BundleError
    from sentinel.runtime.bundles.signing import KeySet

    if (options.verification_key is None) == (options.jwks is None):
        raise UsageError("serving bundles needs exactly one of --verification-key and --jwks")
    try:
        if options.jwks is not None:
            return KeySet.from_jwks(read_small(options.jwks, "JWKS"))
        assert options.verification_key is not None
        return KeySet.from_pem(
            read_small(options.verification_key, "verification key"), options.verification_key_id
        )
    except BundleError as exc:
        raise UsageError(str(exc)) from None


def serve_bundles(
    options: BundleOptions,
    *,
    host: str,
    port: int,
    workers: int,
    decision_package: str,
    decision_log: str | None,
    mask: tuple[str, ...],
    max_body_bytes: int,
    eval_timeout_ms: int,
    eval_threads: int,
    trace_key: str | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM; usage errors (bad key, bad URL, unreadable bundle) raise first."""
    if options.bundle is not None and options.bundle_url is not None:
        raise UsageError("give --bundle FILE or --bundle-url URL, not both")
    if workers != 1:
        raise UsageError("serving bundles runs one worker process (--workers 1)")
    if options.bundle_url is not None and options.bundle_cache_dir is None:
        raise UsageError("--bundle-url needs --bundle-cache-dir DIR (the last good bundle is kept there)")
    try:
        import uvicorn

        from sentinel.runtime.api.app import create_app
        from sentinel.runtime.api.settings import ServiceSettings
        from sentinel.runtime.bundles.reader import read_bundle
        from sentinel.runtime.bundles.service import ServiceTarget, create_sync_app
        from sentinel.runtime.bundles.sync import SyncConfig
        from sentinel.runtime.edition import Feature, resolve
        from sentinel.runtime.logs.mask import parse_cli_rule
        from sentinel.runtime.logs.open import open_decision_log
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in _EXTRA_MODULES:
            raise UsageError(MISSING_EXTRA) from None
        raise
    keys = _keys(options)
    settings = ServiceSettings(
        max_body_bytes=max_body_bytes,
        eval_timeout_ms=eval_timeout_ms,
        eval_threads=eval_threads,
        decision_package=decision_package,
        reload_on_sighup=options.bundle is not None,
        decision_log_mask=tuple(parse_cli_rule(rule) for rule in mask),
    )
    sink = open_decision_log(decision_log, trace_key=trace_key)
    classify_risk = resolve(os.environ).enabled(Feature.RISK_CLASSIFICATION)
    if options.bundle is not None:
        bundle_path = Path(options.bundle)

        def load() -> Any:
            bundle = read_bundle(bundle_path, keys=keys, scope=options.scope)
            target = ServiceTarget(
                decision_package=decision_package, time_limit_ms=eval_timeout_ms, classify_risk=classify_risk
            )
            target.activate(bundle, None)
            return target.decider

        try:
            decider = load()
        except SentinelError as exc:
            raise UsageError(f"{options.bundle}: {exc}") from None
        app = create_app(decider, loader=load, settings=settings, decision_log=sink)
    else:
        assert options.bundle_url is not None and options.bundle_cache_dir is not None
        config = SyncConfig(
            url=options.bundle_url,
            keys=keys,
            cache_dir=Path(options.bundle_cache_dir),
            tenant=options.bundle_tenant,
            scope=options.scope,
            interval_s=options.poll_interval,
            long_poll_s=options.long_poll,
        )
        app = create_sync_app(
            [config],
            redis_url=options.redis_url,
            settings=settings,
            decision_log=sink,
            classify_risk=classify_risk,
        )
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="info",
        lifespan="on",
        server_header=False,
    )
