"""``sentinel serve --wasm BUNDLE``: the HTTP service (``/v1/evaluate``, ``/v1/data``) over a Wasm decider.

The bundle is verified with the service's keys before its module is compiled, at start-up and on
every SIGHUP reload (a reload that fails keeps the module in service). One worker process: the
instance pool gives concurrency within it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sentinel.errors import SentinelError, UsageError

if TYPE_CHECKING:
    from sentinel.runtime.bundles.signing import KeySet
    from sentinel.runtime.wasm.decider import WasmDecider


def serve_wasm(
    bundle: str,
    keys: KeySet,
    *,
    scope: str | None,
    host: str,
    port: int,
    decision_package: str,
    decision_log: str | None,
    mask: tuple[str, ...],
    max_body_bytes: int,
    eval_timeout_ms: int,
    eval_threads: int,
    trace_key: str | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM; a bundle or module that cannot be served is a usage error first."""
    import uvicorn

    from sentinel.runtime.api.app import create_app
    from sentinel.runtime.api.settings import ServiceSettings
    from sentinel.runtime.logs.mask import parse_cli_rule
    from sentinel.runtime.logs.open import open_decision_log
    from sentinel.runtime.wasm.decider import WasmDecider, WasmLimits

    path = Path(bundle)

    def load() -> WasmDecider:
        return WasmDecider.from_bundle(
            path,
            keys=keys,
            scope=scope,
            decision_package=decision_package,
            limits=WasmLimits(time_limit_ms=eval_timeout_ms),
        )

    try:
        decider = load()
    except SentinelError as exc:
        raise UsageError(f"{bundle}: {exc}") from None
    settings = ServiceSettings(
        max_body_bytes=max_body_bytes,
        eval_timeout_ms=eval_timeout_ms,
        eval_threads=eval_threads,
        decision_package=decision_package,
        reload_on_sighup=True,
        decision_log_mask=tuple(parse_cli_rule(rule) for rule in mask),
    )
    sink = open_decision_log(decision_log, trace_key=trace_key)
    app = create_app(decider, loader=load, settings=settings, decision_log=sink)
    uvicorn.run(
        app, host=host, port=port, access_log=False, log_level="info", lifespan="on", server_header=False
    )
