"""``Reply``: a finished answer (status, body bytes, headers), sent as raw ASGI or as a Starlette
response. The hot endpoints build one directly, so no per-request Response object or header
re-encoding is needed on the fast path (``fastpath``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

JSON_TYPE = (b"content-type", b"application/json")
Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    headers: Headers = field(default_factory=lambda: [JSON_TYPE])

    def response(self) -> Response:
        """The same answer as a Starlette response (Starlette adds ``content-length``)."""
        response = Response(self.body, status_code=self.status)
        response.raw_headers.extend(self.headers)
        return response

    async def send(self, send: Any) -> None:
        """The answer over raw ASGI ``send``, with its ``content-length``."""
        headers = [*self.headers, (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})
