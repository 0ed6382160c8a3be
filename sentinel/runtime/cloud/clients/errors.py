"""What a governance API call raises: one structured error, never a raw httpx exception."""

from __future__ import annotations

from sentinel.errors import SentinelError


class APIError(SentinelError):
    """The server answered with an error, or could not be reached (``status_code`` ``None``)."""

    def __init__(self, status_code: int | None, message: str, request_id: str | None = None) -> None:
        where = f"HTTP {status_code}" if status_code is not None else "no response"
        suffix = f" (request {request_id})" if request_id else ""
        super().__init__(f"governance API: {where}: {message}{suffix}")
        self.status_code = status_code
        self.detail = message
        self.request_id = request_id

    def __reduce__(self) -> tuple[type[APIError], tuple[int | None, str, str | None]]:  # type: ignore[override]
        return (type(self), (self.status_code, self.detail, self.request_id))


class AuthenticationError(APIError):
    """401: the token is missing, expired or revoked. Never retried."""


class ServerUnreachable(APIError):
    """No HTTP answer: connection refused, reset, timed out, or retries on 429/503 used up."""
