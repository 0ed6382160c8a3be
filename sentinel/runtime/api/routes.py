"""The endpoints. Each reads what it needs from ``request.app.state.sentinel`` (no globals).

Status codes:

- ``POST /v1/evaluate``: 200 with the decision, allow or deny, including the denies Sentinel itself
  gives (no pack for the tenant, evaluation error, time limit: the reason says which); 400 for a body
  that is not JSON or not a decision request; 413 past the body limit; 503 (with a deny decision in
  the body) while no policy is loaded.
- ``/v1/data/{path}``: as OPA: 200 ``{"result": ..., "decision_id": ...}`` (no ``result`` when
  undefined); 400 ``invalid_parameter``; 500 ``internal_error`` when evaluation fails or times out;
  plus 413 and 503 as above.

``decide`` and ``query`` do the work and return a :class:`Reply`; the Starlette endpoints here and
the raw ASGI fast path (``fastpath``) only read the body and send the reply.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sentinel.runtime.api.body import parse_json, read_body
from sentinel.runtime.api.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMETER,
    PAYLOAD_TOO_LARGE,
    UNAVAILABLE,
    ApiError,
)
from sentinel.runtime.api.metrics import CONTENT_TYPE
from sentinel.runtime.api.ports import DeciderPort
from sentinel.runtime.api.reply import JSON_TYPE, Reply
from sentinel.runtime.api.state import DEFAULT_PACK, ServiceState
from sentinel.runtime.decision.models import MAX_WEIGHT, Decision, DecisionRequest, Reason
from sentinel.runtime.logs.record import build_record

log = logging.getLogger(__name__)

T = TypeVar("T")

RULE_TIME_LIMIT = "sentinel.runtime.time_limit"
RULE_NOT_READY = "sentinel.runtime.not_ready"
RULE_INTERNAL = "sentinel.runtime.internal_error"


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.sentinel
    return state


def _peer(request: Request) -> str:
    client = request.client
    return f"{client.host}:{client.port}" if client is not None else ""


async def _run(state: ServiceState, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` bounded by the evaluation timeout; TimeoutError past it (the answer is dropped).

    With ``eval_threads`` the call runs in the app's thread pool under ``asyncio.wait_for``. Without
    (the default) it runs on the event loop and its duration is checked when it returns: regorus
    holds the GIL for a whole evaluation, so a thread neither lets the loop serve other requests
    nor lets the timeout fire earlier, and the hop costs about 100 us of CPU per request.
    """
    timeout = state.settings.eval_timeout_ms / 1000
    if state.executor is None:
        started = time.perf_counter()
        result = fn(*args)
        if time.perf_counter() - started > timeout:
            raise TimeoutError
        return result
    future = asyncio.get_running_loop().run_in_executor(state.executor, fn, *args)
    return await asyncio.wait_for(future, timeout)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _fail_closed(decider: DeciderPort | None, request: DecisionRequest, rule: str, message: str) -> Decision:
    """A deny decided by the service itself (timeout, no policy loaded, internal error)."""
    pack = decider.pack_for(request.tenant) if decider is not None else None
    return Decision(
        decision="deny",
        score=MAX_WEIGHT,
        reasons=[Reason(rule=rule, message=message, weight=MAX_WEIGHT)],
        warnings=[],
        policy_revision=pack.revision if pack is not None else "",
        constitution_hash=pack.constitution_hash if pack is not None else "",
        decision_id=str(uuid.uuid4()),
        evaluated_at=_now(),
    )


def _validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Where and why, without the offending values (they may be secrets)."""
    return [
        {"loc": [str(part) for part in err["loc"]], "type": err["type"], "msg": err["msg"][:300]}
        for err in exc.errors(include_url=False, include_input=False, include_context=False)[:20]
    ]


async def evaluate(request: Request) -> Response:
    started = time.perf_counter_ns()
    state = _state(request)
    try:
        raw = await read_body(request, state.settings.max_body_bytes)
    except ApiError as exc:
        return exc.response()
    return (await decide(state, raw, _peer(request), started)).response()


async def decide(state: ServiceState, raw: bytes, peer: str, started: int) -> Reply:
    """``POST /v1/evaluate`` for the body ``raw`` (already read under the size limit)."""
    try:
        if not raw.strip():
            raise ApiError(400, INVALID_PARAMETER, "request body is empty")
        body = parse_json(raw)
        if not isinstance(body, dict):
            raise ApiError(400, INVALID_PARAMETER, "request body must be a JSON object")
        try:
            decision_request = DecisionRequest.model_validate(body)
        except ValidationError as exc:
            details = _validation_details(exc)
            message = "request body is not a decision request"
            raise ApiError(400, INVALID_PARAMETER, message, errors=details) from None
    except ApiError as exc:
        return exc.reply()

    decider = state.decider
    status = 200
    eval_started = time.perf_counter_ns()
    if decider is None:
        status = 503
        decision = _fail_closed(None, decision_request, RULE_NOT_READY, "no policy is loaded yet")
    else:
        try:
            decision = await _run(state, decider.evaluate, decision_request)
        except TimeoutError:
            decision = _fail_closed(
                decider,
                decision_request,
                RULE_TIME_LIMIT,
                f"evaluation exceeded the time limit of {state.settings.eval_timeout_ms} ms",
            )
        except Exception as exc:  # the decider never raises; if it does, deny all the same
            log.error(
                "decider raised", extra={"tenant": decision_request.tenant, "error_type": type(exc).__name__}
            )
            decision = _fail_closed(
                decider, decision_request, RULE_INTERNAL, "the decision could not be evaluated"
            )
    eval_ns = time.perf_counter_ns() - eval_started

    has_pack = bool(decision.policy_revision)
    tenant_label = state.tenant_label(decision_request.tenant, has_pack)
    state.metrics.count_decision(tenant_label, decision.decision, decision.policy_revision or "none")
    payload = decision.model_dump_json().encode()
    if state.decision_logger is not None:
        own_pack = decision_request.tenant in state.own_packs
        state.decision_logger.log(
            build_record(
                labels=state.log_labels,
                decision_id=decision.decision_id,
                path=state.settings.decision_package.replace(".", "/"),
                bundles={decision_request.tenant if own_pack else DEFAULT_PACK: decision.policy_revision}
                if has_pack
                else {},
                input=decision_request.policy_input(),
                result=decision.model_dump(mode="json"),
                requested_by=peer,
                metrics={
                    "timer_rego_query_eval_ns": eval_ns,
                    "timer_server_handler_ns": time.perf_counter_ns() - started,
                },
            ),
            size=len(raw),
        )
    state.metrics.evaluate_latency.observe((time.perf_counter_ns() - started) / 1e9)
    headers = [
        JSON_TYPE,
        (b"x-policy-decision", decision.decision.encode()),
        (b"x-policy-score", str(decision.score).encode()),
        (b"x-constitution-hash", decision.constitution_hash.encode("latin-1")),
    ]
    return Reply(status, payload, headers)


_NO_INPUT: Any = object()


async def _data_input(
    method: str, params: Mapping[str, str], read: Callable[[], Awaitable[bytes]], limit: int
) -> tuple[Any, bool, int]:
    """The query's input (or ``_NO_INPUT``), whether OPA would warn that ``input`` is missing, and
    the size in bytes it was read from. ``read`` reads the body (POST only) under ``limit``."""
    if method == "GET":
        raw = params.get("input")
        if raw is None:
            return _NO_INPUT, False, 0
        size = len(raw.encode())
        if size > limit:
            raise ApiError(413, PAYLOAD_TOO_LARGE, f"input is larger than the limit of {limit} bytes")
        return parse_json(raw, "the input query parameter"), False, size
    body = await read()
    if not body.strip():
        return _NO_INPUT, True, len(body)
    document = parse_json(body)
    if not isinstance(document, dict):
        raise ApiError(400, INVALID_PARAMETER, "request body must be a JSON object")
    if "input" not in document:
        return _NO_INPUT, True, len(body)
    return document["input"], False, len(body)


def _clean_path(raw: str) -> str:
    """``a//b/`` -> ``a/b``: OPA's router cleans the path the same way (it answers with a redirect)."""
    return "/".join(part for part in raw.split("/") if part)


async def data(request: Request) -> Response:
    started = time.perf_counter_ns()
    state = _state(request)
    limit = state.settings.max_body_bytes

    async def read() -> bytes:
        return await read_body(request, limit)

    path = str(request.path_params.get("path", ""))
    params = request.query_params
    reply = await query(state, path, request.method, params, read, _peer(request), started)
    return reply.response()


async def query(
    state: ServiceState,
    raw_path: str,
    method: str,
    params: Mapping[str, str],
    read: Callable[[], Awaitable[bytes]],
    peer: str,
    started: int,
) -> Reply:
    """OPA's ``GET``/``POST /v1/data/{raw_path}``; ``read`` reads the body under the size limit."""
    decision_id = str(uuid.uuid4())
    try:
        path = _clean_path(raw_path)
        limit = state.settings.max_body_bytes
        input_value, input_missing, size = await _data_input(method, params, read, limit)
    except ApiError as exc:
        return exc.reply()
    decider = state.decider
    if decider is None:
        return ApiError(503, UNAVAILABLE, "no policy is loaded yet").reply()

    eval_started = time.perf_counter_ns()
    error: ApiError | None = None
    result: Any = None
    defined = False
    try:
        answer = await _run(state, decider.query, path, None if input_value is _NO_INPUT else input_value)
        defined, result = answer.defined, answer.value
    except TimeoutError:
        limit = state.settings.eval_timeout_ms
        error = ApiError(500, INTERNAL_ERROR, f"evaluation exceeded the time limit of {limit} ms")
    except Exception as exc:  # EvaluationError and anything unexpected: OPA's 500, never a result
        message = str(exc).split("\n", 1)[0][:500] or type(exc).__name__
        error = ApiError(500, INTERNAL_ERROR, message)
        log.warning("data query failed", extra={"path": path[:200], "error_type": type(exc).__name__})
    eval_ns = time.perf_counter_ns() - eval_started

    outcome = "error" if error is not None else ("defined" if defined else "undefined")
    state.metrics.query_outcomes[outcome].inc()
    if state.decision_logger is not None:
        record_fields: dict[str, Any] = {}
        if input_value is not _NO_INPUT:
            record_fields["input"] = input_value
        if error is None and defined:
            record_fields["result"] = result
        state.decision_logger.log(
            build_record(
                labels=state.log_labels,
                decision_id=decision_id,
                path=path,
                bundles={DEFAULT_PACK: decider.revision} if decider.revision else {},
                error={"code": error.code, "message": error.message} if error is not None else None,
                requested_by=peer,
                metrics={
                    "timer_rego_query_eval_ns": eval_ns,
                    "timer_server_handler_ns": time.perf_counter_ns() - started,
                },
                **record_fields,
            ),
            size=size,
        )
    state.metrics.data_latency.observe((time.perf_counter_ns() - started) / 1e9)
    if error is not None:
        return error.reply()
    body: dict[str, Any] = {"decision_id": decision_id}
    if defined:
        body["result"] = result
    if input_missing:
        body["warning"] = {"code": "api_usage_warning", "message": "'input' key missing from the request"}
    if _flag(params.get("metrics")):
        handler_ns = time.perf_counter_ns() - started
        body["metrics"] = {"timer_rego_query_eval_ns": eval_ns, "timer_server_handler_ns": handler_ns}
    return Reply(200, _dumps(body, pretty=_flag(params.get("pretty"))))


def _flag(value: str | None) -> bool:
    """OPA's boolean query parameters: present and empty, or "true"."""
    return value is not None and value.lower() in ("", "true")


def _dumps(document: Any, *, pretty: bool = False) -> bytes:
    """JSON with sorted keys, as OPA's server writes it: compact, or indented for ``?pretty``."""
    option = orjson.OPT_SORT_KEYS | (orjson.OPT_INDENT_2 if pretty else 0)
    try:
        return orjson.dumps(document, option=option)
    except TypeError:  # an integer beyond 64 bits (the interpreter path keeps them exact)
        indent = 2 if pretty else None
        separators = None if pretty else (",", ":")
        text = json.dumps(document, separators=separators, indent=indent, ensure_ascii=False, sort_keys=True)
        return text.encode()


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def health(_request: Request) -> Response:
    """OPA's ``/health`` (what OPA clients probe): ``{}`` when serving."""
    return JSONResponse({})


async def readyz(request: Request) -> Response:
    decider = _state(request).decider
    if decider is None:
        return JSONResponse({"status": "loading"}, status_code=503)
    return JSONResponse({"status": "ready", "revision": decider.revision, "tenants": len(decider.tenants)})


async def metrics(request: Request) -> Response:
    return Response(_state(request).metrics.exposition(), media_type=CONTENT_TYPE)
