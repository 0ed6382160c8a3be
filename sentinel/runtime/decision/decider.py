"""The decider: a request in, a decision out, using the pack of the request's tenant.

``evaluate`` never raises for a policy problem: no pack, an evaluation error, the engine's
instruction limit, the time limit or a malformed deny value all answer deny, with the maximum
score and a reason that says which. Packs are swapped as one reference, so an evaluation that
runs during a reload uses either the old packs or the new ones, never a mix.

``decision_id``: with ``idempotency``, the SHA-256 hex of the RFC 8785 canonical JSON of
``{"constitution_hash": ..., "policy_revision": ..., "request": {tenant, subject, action,
resource, context}}``; otherwise a random UUID 4.

The response is validated by its pydantic model like any other (cheaper than ``model_construct``,
which pydantic 2 runs in Python); its reasons are ``Reason`` objects taken from a bounded cache per
decider, so the same reason is validated once, not on every decision.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

from sentinel.errors import UsageError
from sentinel.runtime.decision import scoring
from sentinel.runtime.decision.models import MAX_WEIGHT, Decision, DecisionRequest, Reason
from sentinel.runtime.decision.packs import Pack, PackSet, build_pack, folder_pack, tenant_packs
from sentinel.runtime.decision.stamps import UtcClock, random_uuid4, rfc3339_now
from sentinel.runtime.engine import UNDEFINED, EvaluationError, ProgramCache

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT_MS = 100
NO_PACK = "no policy pack for tenant"
# Rule ids of the reasons Sentinel itself gives (policy rules never start with "sentinel.runtime.").
RULE_NO_PACK = "sentinel.runtime.no_pack"
RULE_ERROR = "sentinel.runtime.evaluation_error"
RULE_TIME_LIMIT = "sentinel.runtime.time_limit"
RULE_INSTRUCTION_LIMIT = "sentinel.runtime.instruction_limit"
RULE_MALFORMED = "sentinel.runtime.malformed_reason"
RULE_NO_DENY = "sentinel.runtime.no_deny_rule"
RISK_FAILED_LEVEL = "critical"
RISK_FAILED_ROW = "E1-evaluation-error"  # the risk table's own row for a failed evaluation
# Distinct (rule, message, weight) reasons kept validated per decider; messages are at most 2,000
# characters (scoring.MAX_TEXT), so the cache holds at most a few MiB whatever the policies say.
REASON_CACHE_SIZE = 1024


@dataclass(frozen=True)
class QueryResult:
    """A document of OPA's data API: ``defined`` is False when the path has no value."""

    defined: bool
    value: Any = None


@dataclass(frozen=True)
class _FolderSource:
    policy_dirs: tuple[Path, ...]
    data_dirs: tuple[Path, ...]
    tenant_packs: Path | None


# Request context -> (risk level, table row) of its "risk" object, or None.
RiskHook = Callable[[Mapping[str, Any]], tuple[str, str] | None]


class Decider:
    """Decides requests in process; see ``from_folder`` and ``from_modules``."""

    def __init__(
        self,
        packs: PackSet,
        *,
        decision_package: str = "sentinel.decision",
        time_limit_ms: int = DEFAULT_TIME_LIMIT_MS,
        cache: ProgramCache | None = None,
        source: _FolderSource | None = None,
        risk: RiskHook | None = None,
        classify_risk: bool = True,
    ) -> None:
        """``classify_risk`` False (the ``risk_classification`` feature off) leaves ``risk_level`` null."""
        if time_limit_ms <= 0:
            raise UsageError("the evaluation time limit must be a positive number of milliseconds")
        self._packs = packs
        self.decision_package = decision_package
        self.time_limit_ms = time_limit_ms
        self._time_limit_s = time_limit_ms / 1000
        self._cache = cache if cache is not None else ProgramCache()
        self._source = source
        self._risk: RiskHook | None = (risk if risk is not None else _library_risk) if classify_risk else None
        self._write_lock = threading.Lock()
        self._clock = UtcClock()
        self._reason = functools.lru_cache(maxsize=REASON_CACHE_SIZE)(_reason)

    @classmethod
    def from_folder(
        cls,
        policy_dirs: Sequence[Path],
        data_dirs: Sequence[Path] = (),
        *,
        decision_package: str = "sentinel.decision",
        tenant_packs: Path | None = None,
        time_limit_ms: int = DEFAULT_TIME_LIMIT_MS,
        classify_risk: bool = True,
    ) -> Decider:
        """Every tenant gets the pack of ``policy_dirs``; or, with ``tenant_packs``, each tenant the
        pack in ``tenant_packs/<tenant>/`` and tenants without a folder are denied."""
        source = _FolderSource(tuple(policy_dirs), tuple(data_dirs), tenant_packs)
        cache = ProgramCache()
        packs = _load_folders(source, decision_package, cache)
        return cls(
            packs,
            decision_package=decision_package,
            time_limit_ms=time_limit_ms,
            cache=cache,
            source=source,
            classify_risk=classify_risk,
        )

    @classmethod
    def from_modules(
        cls,
        modules: Sequence[tuple[str, str]],
        data: Mapping[str, Any],
        *,
        revision: str,
        constitution_hash: str,
        decision_package: str = "sentinel.decision",
        time_limit_ms: int = DEFAULT_TIME_LIMIT_MS,
        classify_risk: bool = True,
    ) -> Decider:
        """One pack for every tenant, from modules ``(path, source)`` and data (a bundle's)."""
        cache = ProgramCache()
        pack = build_pack(
            modules,
            data,
            revision=revision,
            constitution_hash=constitution_hash,
            decision_package=decision_package,
            cache=cache,
        )
        return cls(
            PackSet(pack, {}),
            decision_package=decision_package,
            time_limit_ms=time_limit_ms,
            cache=cache,
            classify_risk=classify_risk,
        )

    # Current state -------------------------------------------------------------------------------

    @property
    def revision(self) -> str:
        """The default pack's revision ("" with tenant packs only)."""
        default = self._packs.default
        return default.revision if default is not None else ""

    @property
    def constitution_hash(self) -> str:
        default = self._packs.default
        return default.constitution_hash if default is not None else ""

    @property
    def tenants(self) -> list[str]:
        """Tenants with their own pack (empty when every tenant gets the default pack)."""
        return sorted(self._packs.tenants)

    @property
    def packs(self) -> PackSet:
        return self._packs

    def pack_for(self, tenant: str) -> Pack | None:
        return self._packs.for_tenant(tenant)

    # Reloading -----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the folders this decider was made from and swap every pack at once. On an error
        the old packs stay in place and the error is raised."""
        if self._source is None:
            raise UsageError("this decider was not loaded from folders; use load_pack")
        with self._write_lock:
            self._packs = _load_folders(self._source, self.decision_package, self._cache)

    def load_pack(
        self,
        modules: Sequence[tuple[str, str]],
        data: Mapping[str, Any],
        *,
        revision: str,
        constitution_hash: str,
        tenant: str | None = None,
    ) -> Pack:
        """Compile a pack and swap it in as ``tenant``'s pack (the default pack when None)."""
        pack = build_pack(
            modules,
            data,
            revision=revision,
            constitution_hash=constitution_hash,
            decision_package=self.decision_package,
            cache=self._cache,
        )
        with self._write_lock:
            current = self._packs
            if tenant is None:
                self._packs = PackSet(pack, current.tenants)
            else:
                self._packs = PackSet(current.default, {**current.tenants, tenant: pack})
        return pack

    # Deciding ------------------------------------------------------------------------------------

    def evaluate(self, request: DecisionRequest) -> Decision:
        """The decision for ``request``; a failure of any kind is a deny with its reason."""
        try:
            return self._evaluate(request)
        except Exception:  # a defect must deny, never crash the caller or allow
            logger.exception("decision failed unexpectedly", extra={"tenant": request.tenant})
            return self._denied(request, None, RULE_ERROR, "the decision could not be made")

    def _evaluate(self, request: DecisionRequest) -> Decision:
        pack = self._packs.for_tenant(request.tenant)
        if pack is None:
            return self._denied(request, None, RULE_NO_PACK, NO_PACK)
        if not pack.defines_deny:
            return self._denied(
                request, pack, RULE_NO_DENY, f"the policy pack defines no {pack.deny_entrypoint}"
            )
        input_json = orjson.dumps(request.policy_input()).decode()
        program = pack.program
        program.prepare()
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            if pack.defines_warn:
                deny_value, warn_value = program.evaluate_many(pack.entrypoints, input_json)
            else:
                deny_value, warn_value = program.evaluate_json(pack.deny_entrypoint, input_json), UNDEFINED
        except EvaluationError as exc:
            rule = RULE_INSTRUCTION_LIMIT if exc.kind == "instruction_limit" else RULE_ERROR
            logger.warning(
                "policy evaluation failed",
                extra={"tenant": request.tenant, "revision": pack.revision, "kind": exc.kind},
            )
            return self._denied(request, pack, rule, str(exc))
        if self._too_slow(started, cpu_started):
            logger.warning(
                "policy evaluation exceeded the time limit",
                extra={"tenant": request.tenant, "revision": pack.revision, "limit_ms": self.time_limit_ms},
            )
            return self._denied(
                request,
                pack,
                RULE_TIME_LIMIT,
                f"evaluation exceeded the time limit of {self.time_limit_ms} ms",
            )
        try:
            reasons = scoring.triples([] if deny_value is UNDEFINED else deny_value, "deny")
            warnings = scoring.triples([] if warn_value is UNDEFINED else warn_value, "warn")
        except scoring.MalformedReasons as exc:
            return self._denied(request, pack, RULE_MALFORMED, str(exc))
        return self._decision(
            request,
            pack,
            "deny" if reasons else "allow",
            scoring.score_of(weight for _, _, weight in reasons),
            reasons,
            warnings,
        )

    def query(self, path: str, input: Any = None, *, tenant: str | None = None) -> QueryResult:
        """The document at ``path`` (``a/b/rule``, as in OPA's ``/v1/data/a/b/rule``; ``""`` is all
        of ``data``) for ``input``. Raises EvaluationError when it cannot be evaluated or when there
        is no pack (for ``tenant``, else the default pack, else the input's ``tenant``)."""
        pack = self._query_pack(input, tenant)
        parts = [p for p in path.strip("/").split("/")] if path.strip("/") else []
        if any(not p for p in parts):
            raise EvaluationError(f"{path!r} is not a document path", "entrypoint")
        dotted = "data" + "".join(f".{p}" for p in parts)
        compiled = dotted in pack.program.entrypoints
        if compiled:
            pack.program.prepare()
        else:
            pack.interpreter.engine()  # built (once per thread) before the clock starts
        started, cpu_started = time.perf_counter(), time.thread_time()
        if compiled:
            value = pack.program.evaluate(dotted, input)
            result = QueryResult(False) if value is UNDEFINED else QueryResult(True, value)
        else:
            result = _interpret(pack, parts, input)
        if self._too_slow(started, cpu_started):
            raise EvaluationError(
                f"evaluation exceeded the time limit of {self.time_limit_ms} ms", "time_limit"
            )
        return result

    def _too_slow(self, started: float, cpu_started: float) -> bool:
        """Past the limit in CPU time of this thread: time spent waiting for the GIL or a core
        under load is not the policy's. The clock is read after the engine returns (regorus holds
        the GIL and cannot be interrupted); the CPU clock only when the wall clock is past it."""
        if time.perf_counter() - started <= self._time_limit_s:
            return False
        return time.thread_time() - cpu_started > self._time_limit_s

    def _query_pack(self, input: Any, tenant: str | None) -> Pack:
        packs = self._packs
        if tenant is None and packs.default is None and isinstance(input, dict):
            named = input.get("tenant")
            tenant = named if isinstance(named, str) else None
        pack = packs.for_tenant(tenant) if tenant is not None else packs.default
        if pack is None:
            raise EvaluationError(NO_PACK, "no_pack")
        return pack

    def _denied(self, request: DecisionRequest, pack: Pack | None, rule: str, message: str) -> Decision:
        return self._decision(request, pack, "deny", MAX_WEIGHT, [(rule, message, MAX_WEIGHT)], [])

    def _decision(
        self,
        request: DecisionRequest,
        pack: Pack | None,
        outcome: Literal["allow", "deny"],
        score: int,
        reasons: list[tuple[str, str, int]],
        warnings: list[tuple[str, str, int]],
    ) -> Decision:
        revision = pack.revision if pack is not None else ""
        constitution = pack.constitution_hash if pack is not None else ""
        risk = self._classify(request)
        reason = self._reason
        return Decision.model_validate(
            {
                "decision": outcome,
                "score": score,
                "reasons": [reason(r, m, w) for r, m, w in reasons],
                "warnings": [reason(r, m, w) for r, m, w in warnings],
                "risk_level": risk[0] if risk else None,
                "risk_row": risk[1] if risk else None,
                "policy_revision": revision,
                "constitution_hash": constitution,
                "decision_id": _decision_id(request, revision, constitution),
                "evaluated_at": self._clock.now(),
            }
        )

    def _classify(self, request: DecisionRequest) -> tuple[str, str] | None:
        """The risk level and table row of ``context["risk"]`` (None without one). An annotation:
        it never changes the outcome; when classifying fails it is CRITICAL, never lower."""
        if self._risk is None or "risk" not in request.context:
            return None
        try:
            return self._risk(request.context)
        except Exception:  # the classifier's failure must not turn into an allow or a crash
            logger.exception("risk classification failed", extra={"tenant": request.tenant})
            return (RISK_FAILED_LEVEL, RISK_FAILED_ROW)


def _decision_id(request: DecisionRequest, revision: str, constitution: str) -> str:
    if not request.idempotency:
        return random_uuid4()
    import rfc8785

    document: Any = {
        "constitution_hash": constitution,
        "policy_revision": revision,
        "request": request.policy_input(),
    }
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


def _now() -> str:
    """RFC 3339 UTC now, for the other deciders (the Wasm one) that build the same Decision."""
    return rfc3339_now()


def _reason(rule: str, message: str, weight: int) -> Reason:
    return Reason(rule=rule, message=message, weight=weight)


def _interpret(pack: Pack, parts: list[str], input: Any) -> QueryResult:
    import json

    from sentinel.errors import SentinelError
    from sentinel.runner.engine import set_input

    engine = pack.interpreter.engine()
    query = "data" + "".join(f"[{json.dumps(p)}]" for p in parts)
    failure: EvaluationError | None = None
    raw = ""
    try:
        set_input(engine, input)
        raw = engine.eval_query_as_json(query)
    except SentinelError as exc:
        failure = EvaluationError(exc.message, "input")
    except RuntimeError as exc:
        first = str(exc).split("\n", 1)[0].strip()
        failure = EvaluationError(f"{query} could not be evaluated: {first[:200]}", "engine")
    del engine  # raised below without the engine in any frame an exception keeps (see compiled.py)
    if failure is not None:
        raise failure
    results = json.loads(raw).get("result") or []
    if not results:
        return QueryResult(False)
    return QueryResult(True, results[0]["expressions"][0]["value"])


def _library_risk(context: Mapping[str, Any]) -> tuple[str, str] | None:
    """The shipped risk table (sentinel/runtime/risk), compiled on first use."""
    from sentinel.runtime.risk.classifier import default_classifier

    result = default_classifier().classify_request_context(context)
    return None if result is None else (result.level.value, result.row)


def _load_folders(source: _FolderSource, decision_package: str, cache: ProgramCache) -> PackSet:
    if source.tenant_packs is not None:
        if source.policy_dirs:
            raise UsageError(
                "give policy folders or tenant packs, not both: with tenant packs each tenant's "
                "folder is its whole pack"
            )
        return PackSet(
            None,
            tenant_packs(
                source.tenant_packs, source.data_dirs, decision_package=decision_package, cache=cache
            ),
        )
    if not source.policy_dirs:
        raise UsageError("no policy folder given")
    return PackSet(
        folder_pack(source.policy_dirs, source.data_dirs, decision_package=decision_package, cache=cache), {}
    )
