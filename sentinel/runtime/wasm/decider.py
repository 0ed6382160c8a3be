"""``WasmDecider``: the decider's interface over a policy compiled to WebAssembly by ``opa build -t wasm``.

The module runs under opa-py-wasm (wasmtime): a bounded pool of instances for concurrent callers, a
per-evaluation time limit by epoch interruption (~10 ms granularity), and a linear-memory cap per
instance. Loading checks everything that can be checked before the first request: the bundle's
signature (before any Wasm is compiled), that the bytes are a Wasm module with the OPA ABI, that
every import is one the host provides, that every builtin the module asks of the host is one
Python computes exactly (:mod:`sentinel.runtime.wasm.builtins`). At evaluation, any trap, timeout,
ABI or builtin failure is a deny with the reason; the failed instance is thrown away and the
decider keeps serving.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sentinel.errors import UsageError
from sentinel.runtime.decision import scoring
from sentinel.runtime.decision.decider import (
    RULE_ERROR,
    RULE_MALFORMED,
    RULE_NO_DENY,
    RULE_TIME_LIMIT,
    QueryResult,
    RiskHook,
    _decision_id,
    _library_risk,
    _now,
)
from sentinel.runtime.decision.models import MAX_WEIGHT, Decision, DecisionRequest
from sentinel.runtime.engine import EvaluationError
from sentinel.runtime.wasm.builtins import HOST_BUILTINS
from sentinel.runtime.wasm.errors import WasmLoadError

if TYPE_CHECKING:
    from opapywasm import OpaWasmPolicy

    from sentinel.runtime.bundles.limits import Limits
    from sentinel.runtime.bundles.signing import KeySet

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT_MS = 100
DEFAULT_MAX_MEMORY_PAGES = 1024  # 64 KiB pages: 64 MiB of linear memory per instance
DEFAULT_POOL_SIZE = 4
DEFAULT_BORROW_TIMEOUT_MS = 1000
MAX_INPUT_BYTES = 1024 * 1024
MAX_RESULT_BYTES = 1024 * 1024
RULE_WASM_TRAP = "sentinel.runtime.wasm_trap"
RULE_BUILTIN = "sentinel.runtime.builtin_error"
RULE_BUSY = "sentinel.runtime.busy"
RULE_INPUT = "sentinel.runtime.unsupported_input"
_MESSAGE_LIMIT = 300
# OPA's Wasm glob.match does not match "*"/"**" across a line feed where OPA's Go one does (so
# "secrets/root/**" would miss "secrets/root/a\nb": an allow where OPA denies). A module that
# compiled glob.match in (its name section keeps the function name) denies such inputs instead.
_GLOB_FUNCTION = b"opa_glob_match"


@dataclass(frozen=True)
class WasmLimits:
    """Bounds of every evaluation: time (ms), linear memory (64 KiB pages), concurrency (instances)."""

    time_limit_ms: int = DEFAULT_TIME_LIMIT_MS
    max_memory_pages: int = DEFAULT_MAX_MEMORY_PAGES
    pool_size: int = DEFAULT_POOL_SIZE
    borrow_timeout_ms: int = DEFAULT_BORROW_TIMEOUT_MS

    def __post_init__(self) -> None:
        if self.time_limit_ms <= 0 or self.pool_size <= 0 or self.borrow_timeout_ms < 0:
            raise UsageError("Wasm limits must be positive (time limit, pool size) or zero (borrow wait)")
        if self.max_memory_pages < 2:
            raise UsageError("the Wasm memory cap must be at least 2 pages (128 KiB)")


@dataclass(frozen=True)
class WasmPack:
    """What the service reports about the loaded policy (the same for every tenant)."""

    revision: str
    constitution_hash: str


def _short(text: str) -> str:
    """The telling line of an engine message, bounded: traps carry long Wasm backtraces."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    trap = [line for line in lines if line.startswith("wasm trap:")]
    chosen = trap[-1] if trap else (lines[0] if lines else "no message")
    return chosen[:_MESSAGE_LIMIT]


def _load_reason(text: str) -> str:
    lowered = text.lower()
    if "unknown import" in lowered or "incompatible import" in lowered:
        return "missing_import"
    if "invalid policy wasm" in lowered or "policy wasm is empty" in lowered:
        return "not_wasm"
    return "not_opa_module"


class WasmDecider:
    """Decides requests with an OPA Wasm module; see ``from_bundle`` and ``from_wasm``."""

    def __init__(
        self,
        policy: OpaWasmPolicy,
        *,
        revision: str = "",
        constitution_hash: str = "",
        decision_package: str = "sentinel.decision",
        limits: WasmLimits | None = None,
        risk: RiskHook | None = None,
        uses_glob: bool = True,
    ) -> None:
        self._policy = policy
        self._pack = WasmPack(revision, constitution_hash)
        self.decision_package = decision_package
        self.limits = limits or WasmLimits()
        self._risk = risk if risk is not None else _library_risk
        base = decision_package.replace(".", "/")
        entrypoints = policy.entrypoints
        self._uses_glob = uses_glob
        self._deny = f"{base}/deny" if f"{base}/deny" in entrypoints else None
        self._warn = f"{base}/warn" if f"{base}/warn" in entrypoints else None

    # Loading -------------------------------------------------------------------------------------

    @classmethod
    def from_wasm(
        cls,
        wasm: bytes,
        data: Mapping[str, Any] | None = None,
        *,
        revision: str = "",
        constitution_hash: str = "",
        decision_package: str = "sentinel.decision",
        limits: WasmLimits | None = None,
    ) -> WasmDecider:
        """A decider over module bytes and a data document; raises :class:`WasmLoadError`."""
        limits = limits or WasmLimits()
        return cls(
            _load_policy(wasm, data or {}, limits),
            uses_glob=_GLOB_FUNCTION in wasm,
            revision=revision,
            constitution_hash=constitution_hash,
            decision_package=decision_package,
            limits=limits,
        )

    @classmethod
    def from_bundle(
        cls,
        source: bytes | str | os.PathLike[str],
        *,
        keys: KeySet | None,
        scope: str | None = None,
        require_signature: bool = True,
        decision_package: str = "sentinel.decision",
        limits: WasmLimits | None = None,
        bundle_limits: Limits | None = None,
    ) -> WasmDecider:
        """A decider over the bundle's ``policy.wasm`` and data, after verifying its signature with
        ``keys``. ``require_signature=False`` (``sentinel eval``, as ``opa eval -b``) reads without."""
        from sentinel.runtime.bundles.errors import BundleError
        from sentinel.runtime.bundles.reader import read_bundle

        if keys is None and require_signature:
            raise UsageError("a Wasm bundle is served only after its signature is verified: give its keys")
        try:
            bundle = read_bundle(source, keys=keys, scope=scope, limits=bundle_limits)
        except BundleError as exc:
            raise WasmLoadError(exc.reason, exc.message.partition(": ")[2]) from None
        modules = sorted({entry.module.removeprefix("/") for entry in bundle.manifest.wasm})
        if not modules:
            raise WasmLoadError(
                "no_wasm", "the bundle's manifest names no Wasm module (build it with --target wasm)"
            )
        if len(modules) > 1:
            raise WasmLoadError(
                "several_modules", f"the bundle holds {len(modules)} Wasm modules; one is supported"
            )
        return cls.from_wasm(
            bundle.files[modules[0]],
            bundle.data,
            revision=bundle.revision,
            constitution_hash=bundle.constitution_hash,
            decision_package=decision_package,
            limits=limits,
        )

    def close(self) -> None:
        """Free the instances and the epoch thread; later evaluations deny."""
        self._policy.close()

    # Current state -------------------------------------------------------------------------------

    @property
    def revision(self) -> str:
        return self._pack.revision

    @property
    def constitution_hash(self) -> str:
        return self._pack.constitution_hash

    @property
    def tenants(self) -> list[str]:
        """Tenants with their own pack: none, one module serves every tenant."""
        return []

    @property
    def entrypoints(self) -> list[str]:
        return sorted(self._policy.entrypoints)

    @property
    def host_builtins(self) -> list[str]:
        """The builtins the module asks of the host (all provided, or it would not have loaded)."""
        return sorted(self._policy.builtins)

    def pack_for(self, tenant: str) -> WasmPack:
        return self._pack

    # Deciding ------------------------------------------------------------------------------------

    def evaluate(self, request: DecisionRequest) -> Decision:
        """The decision for ``request``; a failure of any kind is a deny with its reason."""
        try:
            return self._evaluate(request)
        except Exception:  # a defect must deny, never crash the caller or allow
            logger.exception("Wasm decision failed unexpectedly", extra={"tenant": request.tenant})
            return self._denied(request, RULE_ERROR, "the decision could not be made")

    def _evaluate(self, request: DecisionRequest) -> Decision:
        if self._deny is None:
            entry = self.decision_package.replace(".", "/") + "/deny"
            return self._denied(request, RULE_NO_DENY, f"the Wasm module has no entry point {entry}")
        document = request.policy_input()
        try:
            deny_value = self._run(self._deny, document)
            warn_value = self._run(self._warn, document) if self._warn is not None else _UNDEFINED
        except EvaluationError as exc:
            logger.warning(
                "Wasm policy evaluation failed",
                extra={"tenant": request.tenant, "revision": self.revision, "kind": exc.kind},
            )
            return self._denied(request, _RULES.get(exc.kind, RULE_ERROR), str(exc))
        try:
            reasons = scoring.triples([] if deny_value is _UNDEFINED else deny_value, "deny")
            warnings = scoring.triples([] if warn_value is _UNDEFINED else warn_value, "warn")
        except scoring.MalformedReasons as exc:
            return self._denied(request, RULE_MALFORMED, str(exc))
        return self._decision(
            request,
            "deny" if reasons else "allow",
            scoring.score_of(weight for _, _, weight in reasons),
            reasons,
            warnings,
        )

    def query(self, path: str, input: Any = None) -> QueryResult:
        """The document at ``path`` (``a/b/rule``), which must be an entry point of the module.
        Raises EvaluationError when it is not, or when the evaluation fails."""
        entry = path.strip("/")
        if entry not in self._policy.entrypoints:
            raise EvaluationError(
                f"{entry or '/'} is not an entry point of the Wasm module (it has: "
                f"{', '.join(self.entrypoints)}); rebuild with --entrypoint {entry or 'PATH'}",
                "entrypoint",
            )
        value = self._run(entry, input)
        return QueryResult(False) if value is _UNDEFINED else QueryResult(True, value)

    def _run(self, entrypoint: str, document: Any) -> Any:
        """One evaluation; every failure becomes an EvaluationError whose kind names its cause."""
        import opapywasm
        import orjson

        try:
            payload = orjson.dumps(document)
        except (TypeError, orjson.JSONEncodeError) as exc:
            raise EvaluationError(f"the input is not JSON: {_short(str(exc))}", "input") from None
        if self._uses_glob and b"\\n" in payload and _has_line_feed(document):
            raise EvaluationError(
                "the input holds a line feed and the module uses glob.match, which OPA's Wasm runtime "
                "does not match across a line feed as OPA does",
                "input",
            )
        try:
            value = self._policy.evaluate(payload, entrypoint)
        except opapywasm.OpaPoolTimeoutError:
            raise EvaluationError(
                f"no Wasm instance became free within {self.limits.borrow_timeout_ms} ms", "busy"
            ) from None
        except opapywasm.OpaBuiltinError as exc:
            raise EvaluationError(f"host builtin failed: {_short(str(exc))}", "builtin") from None
        except opapywasm.OpaWasmError as exc:
            text = str(exc)
            if "time limit" in text:
                raise EvaluationError(
                    f"evaluation exceeded the time limit of {self.limits.time_limit_ms} ms", "time_limit"
                ) from None
            raise EvaluationError(
                f"the Wasm module failed ({_short(text)}) under a memory cap of "
                f"{self.limits.max_memory_pages} pages",
                "trap",
            ) from None
        return _UNDEFINED if value is opapywasm.UNDEFINED else value

    def _denied(self, request: DecisionRequest, rule: str, message: str) -> Decision:
        return self._decision(request, "deny", MAX_WEIGHT, [(rule, message, MAX_WEIGHT)], [])

    def _decision(
        self,
        request: DecisionRequest,
        outcome: Literal["allow", "deny"],
        score: int,
        reasons: list[tuple[str, str, int]],
        warnings: list[tuple[str, str, int]],
    ) -> Decision:
        risk = self._classify(request)
        return Decision.model_validate(
            {
                "decision": outcome,
                "score": score,
                "reasons": [{"rule": r, "message": m, "weight": w} for r, m, w in reasons],
                "warnings": [{"rule": r, "message": m, "weight": w} for r, m, w in warnings],
                "risk_level": risk[0] if risk else None,
                "risk_row": risk[1] if risk else None,
                "policy_revision": self.revision,
                "constitution_hash": self.constitution_hash,
                "decision_id": _decision_id(request, self.revision, self.constitution_hash),
                "evaluated_at": _now(),
            }
        )

    def _classify(self, request: DecisionRequest) -> tuple[str, str] | None:
        if "risk" not in request.context:
            return None
        try:
            return self._risk(request.context)
        except Exception:  # the classifier's failure must not turn into an allow or a crash
            logger.exception("risk classification failed", extra={"tenant": request.tenant})
            return ("critical", "E1-evaluation-error")


def _has_line_feed(value: Any) -> bool:
    if isinstance(value, str):
        return "\n" in value
    if isinstance(value, dict):
        return any("\n" in key or _has_line_feed(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_line_feed(item) for item in value)
    return False


class _Undefined:
    """An entry point without a value (distinct from a defined ``null``)."""


_UNDEFINED = _Undefined()
_RULES = {
    "input": RULE_INPUT,
    "time_limit": RULE_TIME_LIMIT,
    "trap": RULE_WASM_TRAP,
    "builtin": RULE_BUILTIN,
    "busy": RULE_BUSY,
}


def _load_policy(wasm: bytes, data: Mapping[str, Any], limits: WasmLimits) -> OpaWasmPolicy:
    """Compile, instantiate once (the probe), check builtins and load the data."""
    try:
        import opapywasm
        import orjson
    except ImportError:
        raise UsageError(
            "Wasm policies need the runtime extra: pip install 'sentinel-policy[runtime]'"
        ) from None
    if not wasm.startswith(b"\x00asm"):
        raise WasmLoadError("not_wasm", "policy.wasm is not a WebAssembly module (no \\0asm header)")
    config = opapywasm.PolicyConfig(
        pool_size=limits.pool_size,
        borrow_timeout_seconds=limits.borrow_timeout_ms / 1000,
        max_input_bytes=MAX_INPUT_BYTES,
        parse_raw_json_input=False,  # the decider serializes the input itself
        max_result_bytes=MAX_RESULT_BYTES,
        max_memory_pages=limits.max_memory_pages,
        eval_timeout_seconds=limits.time_limit_ms / 1000,
    )
    try:
        policy = opapywasm.OpaWasmPolicy.from_wasm_bytes(wasm, config)
    except opapywasm.OpaWasmError as exc:
        text = str(exc)
        raise WasmLoadError(_load_reason(text), _short(text)) from None
    try:
        missing = sorted(set(policy.builtins) - set(HOST_BUILTINS))
        if missing:
            raise WasmLoadError(
                "missing_builtin",
                f"the module needs host builtins this host does not provide exactly: {', '.join(missing)}",
            )
        for name in policy.builtins:
            policy.register_builtin(name, HOST_BUILTINS[name])
        try:
            # Serialized here as UTF-8: opa-py-wasm's json.dumps would escape code points above U+FFFF
            # as surrogate pairs, which OPA's Wasm JSON parser decodes wrongly.
            policy.set_data(orjson.dumps(dict(data)))
        except (opapywasm.OpaWasmError, TypeError, orjson.JSONEncodeError) as exc:
            raise WasmLoadError("bad_data", _short(str(exc))) from None
    except BaseException:
        policy.close()
        raise
    return policy
