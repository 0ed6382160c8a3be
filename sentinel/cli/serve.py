"""``sentinel serve``: the HTTP decision service (``/v1/evaluate``, OPA's ``/v1/data``) under uvicorn.

The runtime modules are imported only when the command runs, so the CI commands never need the
``[runtime]`` extra; without it this command says so in one line (exit 2).
"""

from __future__ import annotations

from typing import Any

import click

from sentinel.cli.serve_bundles import bundle_options, options_from, serve_bundles
from sentinel.errors import UsageError

MISSING_EXTRA = "sentinel serve needs the runtime extra: pip install 'sentinel-policy[runtime]'"
_EXTRA_MODULES = {"starlette", "uvicorn", "pydantic", "prometheus_client", "rfc8785", "anyio", "h11"}


def parse_addr(addr: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8181`` for IPv6) -> (host, port)."""
    host, sep, port_text = addr.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise UsageError(f"--addr {addr!r}: expected HOST:PORT, e.g. 127.0.0.1:8181")
    port = int(port_text)
    if not 0 < port < 65536:
        raise UsageError(f"--addr {addr!r}: port must be between 1 and 65535")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, port


@click.command("serve")
@click.option("-p", "--policy", "policy", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of Rego policies; every tenant gets this pack (repeatable).")
@click.option("--tenant-packs", type=click.Path(exists=True, file_okay=False),
              help="Folder of tenant packs: DIR/<tenant>/ is that tenant's pack; other tenants are denied.")
@click.option("-d", "--data", "data", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of data files (JSON/YAML) for the policies (repeatable).")
@click.option("--decision", "decision_package", default="sentinel.decision", show_default=True,
              help="Package whose deny/warn rules decide /v1/evaluate.")
@click.option("--addr", default="127.0.0.1:8181", show_default=True, help="HOST:PORT to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (each loads the policies; SIGHUP restarts them).")
@click.option("--decision-log", type=click.Path(dir_okay=False),
              help="Append decision-log records (JSON Lines, OPA's shape) to FILE.")
@click.option("--decision-log-mask", "mask", multiple=True,
              help="Masking rule for decision logs: a JSON pointer to erase (/input/password) or "
              '{"op": "upsert", "path": ..., "value": ...} (repeatable).')
@click.option("--trace-key", type=click.Path(exists=True, dir_okay=False),
              help="Ed25519 private key (sentinel trace keygen): the decision log becomes the hash-chained "
              "audit trace with checkpoints signed by it (the v1 format when decision_trace_v2 is off).")
@click.option("--max-body-bytes", default=1024 * 1024, show_default=True, type=click.IntRange(1, 1 << 30),
              help="Larger request bodies are refused with 413.")
@click.option("--eval-timeout-ms", default=1000, show_default=True, type=click.IntRange(1, 600_000),
              help="An evaluation taking longer is a deny (/v1/evaluate) or a 500 (/v1/data).")
@click.option("--eval-threads", default=0, show_default=True, type=click.IntRange(0, 256),
              help="0: evaluate on the event loop (regorus holds the GIL, so threads add cost, not "
              "concurrency); N: a pool of N threads under asyncio.wait_for.")
@bundle_options
@click.option("--wasm", "wasm_bundle", type=click.Path(exists=True, dir_okay=False),
              help="Serve this signed bundle's policy.wasm (bundle build --target wasm), verified with "
              "--verification-key/--jwks.")
def serve(
    policy: tuple[str, ...],
    tenant_packs: str | None,
    data: tuple[str, ...],
    decision_package: str,
    addr: str,
    workers: int,
    decision_log: str | None,
    mask: tuple[str, ...],
    trace_key: str | None,
    max_body_bytes: int,
    eval_timeout_ms: int,
    eval_threads: int,
    wasm_bundle: str | None,
    **bundle: Any,
) -> None:
    """Serve decisions over HTTP: POST /v1/evaluate, OPA's /v1/data API, /healthz, /readyz, /metrics."""
    host, port = parse_addr(addr)
    bundles = options_from(bundle)
    if wasm_bundle is not None:  # sentinel/runtime/wasm/serving.py
        if policy or tenant_packs or data or bundles.wanted or workers != 1:
            raise UsageError("--wasm serves one bundle's module in one worker: no other policy source")
        from sentinel.cli.serve_bundles import _keys
        from sentinel.runtime.wasm.serving import serve_wasm

        serve_wasm(wasm_bundle, _keys(bundles), scope=bundles.scope, host=host, port=port,
                   decision_package=decision_package, decision_log=decision_log, mask=mask,
                   max_body_bytes=max_body_bytes, eval_timeout_ms=eval_timeout_ms, eval_threads=eval_threads,
                   trace_key=trace_key)
        return
    if bundles.wanted:  # signed bundles (a file, or synced from a URL): sentinel/cli/serve_bundles.py
        if policy or tenant_packs or data:
            raise UsageError("give --policy/--tenant-packs/--data or a bundle option, not both")
        serve_bundles(bundles, host=host, port=port, workers=workers, decision_package=decision_package,
                      decision_log=decision_log, mask=mask, max_body_bytes=max_body_bytes,
                      eval_timeout_ms=eval_timeout_ms, eval_threads=eval_threads, trace_key=trace_key)
        return
    if not policy and not tenant_packs:
        raise UsageError("give --policy DIR or --tenant-packs DIR")
    if trace_key is not None and workers != 1:
        raise UsageError("--trace-key: the hash-chained trace has one writer; serve it with --workers 1")
    try:
        from sentinel.runtime.api.server import ServeConfig
        from sentinel.runtime.api.server import serve as run
        from sentinel.runtime.logs.mask import parse_cli_rule
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in _EXTRA_MODULES:
            raise UsageError(MISSING_EXTRA) from None
        raise
    for rule in mask:
        parse_cli_rule(rule)  # a bad rule is a usage error now, not in every worker
    run(
        ServeConfig(
            policy_dirs=policy,
            data_dirs=data,
            tenant_packs=tenant_packs,
            decision_package=decision_package,
            host=host,
            port=port,
            workers=workers,
            decision_log=decision_log,
            decision_log_mask=mask,
            trace_key=trace_key,
            max_body_bytes=max_body_bytes,
            eval_timeout_ms=eval_timeout_ms,
            eval_threads=eval_threads,
        )
    )
