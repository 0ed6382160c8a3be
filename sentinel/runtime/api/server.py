"""Running the service under uvicorn: ``serve(config)``, one process or ``workers`` processes.

With one worker the app is built here (policies are loaded before the port opens) and SIGHUP
reloads the policies in place. With several, uvicorn starts each worker from
``app_from_environment`` (a factory: every worker loads the policies itself, from the
configuration passed in the environment), and SIGHUP makes uvicorn restart the workers, which
reloads them. Each worker has its own metrics and its own decision-log queue; all append to the
same decision-log file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from sentinel.runtime.api.app import create_app
from sentinel.runtime.api.settings import (
    DEFAULT_EVAL_THREADS,
    DEFAULT_EVAL_TIMEOUT_MS,
    DEFAULT_MAX_BODY_BYTES,
    ServiceSettings,
)
from sentinel.runtime.decision import Decider
from sentinel.runtime.edition import Feature, resolve
from sentinel.runtime.logs.mask import parse_cli_rule
from sentinel.runtime.logs.open import open_decision_log

CONFIG_ENV = "SENTINEL_SERVE_CONFIG"
MAX_CONCURRENCY = 1024


@dataclass(frozen=True)
class ServeConfig:
    """What ``sentinel serve`` was told; JSON-able so it can reach uvicorn's worker processes."""

    policy_dirs: tuple[str, ...] = ()
    data_dirs: tuple[str, ...] = ()
    tenant_packs: str | None = None
    decision_package: str = "sentinel.decision"
    host: str = "127.0.0.1"
    port: int = 8181
    workers: int = 1
    decision_log: str | None = None
    decision_log_mask: tuple[str, ...] = field(default=())
    trace_key: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    eval_timeout_ms: int = DEFAULT_EVAL_TIMEOUT_MS
    eval_threads: int = DEFAULT_EVAL_THREADS

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServeConfig:
        raw = json.loads(text)
        for key in ("policy_dirs", "data_dirs", "decision_log_mask"):
            raw[key] = tuple(raw.get(key, ()))
        return cls(**raw)


def _settings(config: ServeConfig) -> ServiceSettings:
    return ServiceSettings(
        max_body_bytes=config.max_body_bytes,
        eval_timeout_ms=config.eval_timeout_ms,
        eval_threads=config.eval_threads,
        decision_package=config.decision_package,
        reload_on_sighup=config.workers == 1,
        decision_log_mask=tuple(parse_cli_rule(rule) for rule in config.decision_log_mask),
    )


def load_decider(config: ServeConfig) -> Decider:
    """The decider the configuration names; raises SentinelError for broken policies."""
    return Decider.from_folder(
        [Path(p) for p in config.policy_dirs],
        [Path(d) for d in config.data_dirs],
        decision_package=config.decision_package,
        tenant_packs=Path(config.tenant_packs) if config.tenant_packs else None,
        time_limit_ms=config.eval_timeout_ms,
        classify_risk=resolve(os.environ).enabled(Feature.RISK_CLASSIFICATION),
    )


def build_app(config: ServeConfig) -> Starlette:
    """The app with its policies loaded and its decision-log file open."""
    settings = _settings(config)

    def loader() -> Decider:
        return load_decider(config)

    decider = loader()
    sink = open_decision_log(config.decision_log, trace_key=config.trace_key)
    return create_app(decider, loader=loader, settings=settings, decision_log=sink)


def app_from_environment() -> Starlette:
    """uvicorn's factory in each worker process (``--workers N``)."""
    text = os.environ.get(CONFIG_ENV)
    if not text:
        raise RuntimeError(f"{CONFIG_ENV} is not set: start workers with `sentinel serve --workers N`")
    return build_app(ServeConfig.from_json(text))


def uvicorn_options(host: str, port: int) -> dict[str, Any]:
    """uvicorn's settings for the decision service (any command serving ``create_app`` can use them)."""
    return {
        "host": host,
        "port": port,
        "access_log": False,  # request lines cost more than a decision; decision logs record them
        "log_level": "info",
        "lifespan": "on",
        "server_header": False,
        # httptools (uvicorn's C parser), each response in one write (see transport).
        "http": "sentinel.runtime.api.transport:CoalescingHttpToolsProtocol",
        "loop": "auto",  # uvloop where installed (the runtime extra installs it off Windows)
        "ws": "none",
        # At most this many connections or in-flight requests; more get uvicorn's 503 (bounded memory).
        "limit_concurrency": MAX_CONCURRENCY,
    }


def serve(config: ServeConfig) -> None:
    """Serve until SIGINT/SIGTERM. Policies are loaded (and errors raised) before listening."""
    import uvicorn

    common = uvicorn_options(config.host, config.port)
    if config.workers == 1:
        uvicorn.run(build_app(config), **common)
        return
    load_decider(config)  # fail here, once, with a clear error, not in every worker
    os.environ[CONFIG_ENV] = config.to_json()
    factory = "sentinel.runtime.api.server:app_from_environment"
    uvicorn.run(factory, factory=True, workers=config.workers, **common)
