"""Reading a JSON request body under a size limit, without trusting the client.

The ``Content-Length`` header is checked first (a declared 10 GB body is refused before one byte
is read), then streamed bytes are counted (a chunked or lying client is cut off at the limit).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request

from sentinel.runtime.api.errors import INVALID_PARAMETER, PAYLOAD_TOO_LARGE, ApiError


def too_large(limit: int) -> ApiError:
    return ApiError(413, PAYLOAD_TOO_LARGE, f"request body is larger than the limit of {limit} bytes")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes; :class:`ApiError` 413 past it, 400 for a bad header."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, INVALID_PARAMETER, "Content-Length is not a number")
        if int(declared) > limit:
            raise too_large(limit)
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise too_large(limit)
            chunks.append(chunk)
    except ClientDisconnect:
        raise ApiError(400, INVALID_PARAMETER, "client disconnected before sending the whole body") from None
    return b"".join(chunks)


def parse_json(raw: bytes | str, what: str = "request body") -> Any:
    """Strict JSON (RFC 8259: no NaN, valid UTF-8, at most 1,024 levels deep, as orjson parses it);
    :class:`ApiError` 400 naming the position, never the content."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ApiError(400, INVALID_PARAMETER, f"{what} is not valid JSON: {exc.msg} at {where}") from None
