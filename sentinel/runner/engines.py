"""The engine adapters behind ``--engine``: the embedded regorus, or the ``opa`` binary.

The OPA adapter (and the HTTP client it needs) is imported only when it is chosen: most runs never
use it, and a tiny `sentinel test` pays for every module it imports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from sentinel.errors import UsageError
from sentinel.runner.engine import PolicySource, RegorusEngine
from sentinel.runner.sandbox import Limits

if TYPE_CHECKING:
    from sentinel.runner.opa_engine import OpaEngine, TraceSink

    AnyEngine: TypeAlias = RegorusEngine | OpaEngine

ENGINES = ("regorus", "opa")


def make_engine(
    name: str,
    policies: list[PolicySource],
    data: dict[str, Any],
    rego_v0: bool = False,
    trace: TraceSink | None = None,
    limits: Limits | None = None,
) -> AnyEngine:
    """The adapter named ``name``; a trace needs OPA, which explains its evaluation."""
    if name == "opa" or trace is not None:
        from sentinel.runner.opa_engine import OpaEngine

        return OpaEngine(policies, data, rego_v0=rego_v0, trace=trace)
    if name != "regorus":
        raise UsageError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    return RegorusEngine(policies, data, rego_v0=rego_v0, limits=limits)
