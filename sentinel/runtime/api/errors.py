"""Error bodies, in OPA's shape ``{"code": ..., "message": ...}`` on every endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import JSONResponse

from sentinel.runtime.api.reply import Reply

# OPA's error codes (server/types/types.go), plus the two OPA has no equivalent for.
INVALID_PARAMETER = "invalid_parameter"
INTERNAL_ERROR = "internal_error"
PAYLOAD_TOO_LARGE = "payload_too_large"
UNAVAILABLE = "unavailable"


class ApiError(Exception):
    """A request that gets an error answer: HTTP ``status`` and OPA-style ``code``/``message``.

    ``message`` must never echo the request body: it goes to the client and to the logs.
    """

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def response(self) -> JSONResponse:
        return error_response(self.status, self.code, self.message, **self.details)

    def reply(self) -> Reply:
        """The same body as :meth:`response` (compact JSON, UTF-8), as a :class:`Reply`."""
        return Reply(self.status, orjson.dumps({"code": self.code, "message": self.message, **self.details}))


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **details: Any
) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, **details}, status_code=status, headers=headers)
