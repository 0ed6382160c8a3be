"""The risk classifier: the shipped decision table (``runtime/risk/risk.rego``) evaluated by the engine.

The table and every rule about it (exact spelling, precedence, session tags, fail closed on unknown
input) live in the Rego policy; this module only builds the input document, evaluates
``data.sentinel.risk.result`` and reads the answer. Anything that goes wrong on the way (an engine
error, an answer of the wrong shape) gives CRITICAL from row ``E1-evaluation-error``, never a lower
level.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from sentinel.runtime.engine import CompiledPolicy
from sentinel.runtime.risk.levels import RiskLevel, RiskResult

log = logging.getLogger(__name__)

RESULT_RULE = "data.sentinel.risk.result"
EVALUATION_ERROR_ROW = "E1-evaluation-error"
_FIELDS = ("prompt_type", "confidence", "action")
_TAGS = "session_tags"
CACHE_SIZE = 4096
CACHE_MAX_PAYLOAD = 1024  # bytes of input JSON; larger inputs are evaluated but never held in the cache
_LEVELS = frozenset(level.value for level in RiskLevel)


class Evaluator(Protocol):
    """What the classifier needs from an engine: the JSON value of an entry point (anything but an
    object with the table's fields, UNDEFINED included, is an error); any exception means the
    evaluation failed (a ``kind`` attribute names why)."""

    def evaluate_json(self, entrypoint: str, input_json: str) -> Any: ...


def library_risk_dir() -> Path:
    """The risk policy folder shipped with Sentinel (``sentinel/_library/runtime/risk``)."""
    from sentinel.library import library_dir

    return library_dir() / "runtime" / "risk"


def policy_modules(folder: Path) -> list[tuple[str, str]]:
    """The ``.rego`` files of ``folder`` as (path, source), without the ``*_test.rego`` files."""
    files = sorted(p for p in folder.glob("*.rego") if not p.name.endswith("_test.rego"))
    return [(str(p), p.read_text(encoding="utf-8")) for p in files]


class RiskClassifier:
    """Classifies agent steps with the risk table compiled to a regorus program (the engine decisions
    run on); safe to share between threads (each thread runs its own virtual machine)."""

    def __init__(self, program: Evaluator, *, cache_size: int = CACHE_SIZE) -> None:
        """``program`` evaluates ``data.sentinel.risk.result`` (a CompiledPolicy of the table).

        The table is a pure function of its input, so answers are memoized by the canonical input
        (a bounded LRU of ``cache_size`` entries per classifier, inputs up to CACHE_MAX_PAYLOAD bytes;
        errors are never cached).
        """
        self._program = program
        # Over the program, not a bound method: a cycle through self would leave the classifier to the
        # cyclic collector, which may run on any thread, and regorus's VMs must be dropped on their own.
        evaluate = functools.partial(_evaluate_payload, program)
        self._evaluate = evaluate
        self._classify_payload = functools.lru_cache(maxsize=cache_size)(evaluate)

    @classmethod
    def from_modules(
        cls, modules: Sequence[tuple[str, str]], *, cache_size: int = CACHE_SIZE
    ) -> RiskClassifier:
        """Compile trusted ``modules`` ((path, source) pairs) in this process (no sandbox: the table is
        Sentinel's own); PolicyError when they do not compile or do not define the result rule."""
        return cls(CompiledPolicy.compile(modules, {}, [RESULT_RULE], limits=None), cache_size=cache_size)

    @classmethod
    def from_library(cls) -> RiskClassifier:
        """The classifier for the table shipped with Sentinel."""
        return cls.from_modules(policy_modules(library_risk_dir()))

    def classify(
        self,
        prompt_type: object,
        confidence: object,
        action: object,
        session_tags: Iterable[str] | None = (),
    ) -> RiskResult:
        """Classify one step. Values are matched exactly (lower-case); anything unknown is CRITICAL."""
        tags: object = session_tags
        if isinstance(session_tags, Iterable) and not isinstance(session_tags, str | bytes | Mapping):
            tags = list(session_tags)
        return self.evaluate(
            {"prompt_type": prompt_type, "confidence": confidence, "action": action, _TAGS: tags}
        )

    def classify_request_context(self, context: Mapping[str, Any]) -> RiskResult | None:
        """Classify ``context["risk"]`` (an object with the four fields); None when the context has none."""
        risk = context.get("risk")
        if risk is None:
            return None
        return self.evaluate(risk)

    def evaluate(self, document: object) -> RiskResult:
        """Evaluate the table on one input document, as it came from a request (any JSON value)."""
        payload = json.dumps(_input_document(document), separators=(",", ":"), sort_keys=True)
        try:
            if len(payload) > CACHE_MAX_PAYLOAD:
                return self._evaluate(payload)
            return self._classify_payload(payload)
        except Exception as exc:  # whatever the engine raises, the answer is CRITICAL, never lower
            kind = getattr(exc, "kind", "engine")
            log.warning("risk policy evaluation failed", extra={"error_kind": kind})
            return _evaluation_error(f"the risk policy could not be evaluated ({kind})")


@functools.cache
def default_classifier() -> RiskClassifier:
    """The shared classifier of the shipped table, built on first use (the table never changes)."""
    return RiskClassifier.from_library()


def classify(
    prompt_type: object, confidence: object, action: object, session_tags: Iterable[str] | None = ()
) -> RiskResult:
    """Classify one step with the shipped table (see :meth:`RiskClassifier.classify`)."""
    return default_classifier().classify(prompt_type, confidence, action, session_tags)


def _is_tag_collection(value: object) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def _input_document(document: object) -> object:
    """The four fields only, each kept when it is a JSON string (or, for tags, a list of them).

    A value of another type becomes ``false``, which the policy rejects as it rejects any unknown
    value; the policy never sees the rest of the request.
    """
    if not isinstance(document, Mapping):
        return {}
    out: dict[str, object] = {}
    for field in _FIELDS:
        value = document.get(field)
        if value is not None:
            out[field] = value if isinstance(value, str) else False
    tags = document.get(_TAGS)
    if tags is not None:
        if _is_tag_collection(tags) and all(isinstance(t, str) for t in tags):
            out[_TAGS] = sorted(set(tags))
        else:
            out[_TAGS] = False
    return out


def _evaluate_payload(program: Evaluator, payload: str) -> RiskResult:
    """Evaluate one serialized input document; errors propagate (and so are never cached)."""
    return _read_result(program.evaluate_json(RESULT_RULE, payload))


def _read_result(answer: object) -> RiskResult:
    if not isinstance(answer, Mapping):
        return _evaluation_error("the risk policy gave no result")
    level, row, reasons = answer.get("level"), answer.get("row"), answer.get("reasons")
    if (
        isinstance(level, str)
        and level in _LEVELS
        and isinstance(row, str)
        and isinstance(reasons, list)
        and all(isinstance(r, str) for r in reasons)
    ):
        return RiskResult(level=RiskLevel(level), row=row, reasons=tuple(reasons))
    return _evaluation_error("the risk policy gave a result of the wrong shape")


def _evaluation_error(why: str) -> RiskResult:
    return RiskResult(
        level=RiskLevel.CRITICAL, row=EVALUATION_ERROR_ROW, reasons=(f"{EVALUATION_ERROR_ROW}: {why}",)
    )
