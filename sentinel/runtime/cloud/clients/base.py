"""The base client: auth and org headers, timeouts, bounded retries on 429 and 503, structured errors.

``Retry-After`` is honoured in both forms (delta seconds or an HTTP date) and capped at ``max_backoff``
so a hostile or confused server cannot park the agent for hours; without it the wait doubles from 1 s.
401 is never retried. Bodies are read up to ``max_body`` bytes; the token never appears in an error.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Self

from sentinel.runtime.cloud.clients.errors import APIError, AuthenticationError, ServerUnreachable
from sentinel.runtime.cloud.config import TOKEN_PATTERN, CloudConfigError

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 503})
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_RETRIES = 3
DEFAULT_MAX_BACKOFF_S = 30.0
MAX_BODY = 4 * 1024 * 1024
MAX_MESSAGE = 300
_REQUEST_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
_DELTA_SECONDS = re.compile(r"^[0-9]{1,10}$")  # ASCII digits only: "²".isdigit() is true


def _utcnow() -> datetime:
    return datetime.now(UTC)


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date), ``None`` if unusable."""
    if not value:
        return None
    value = value.strip()
    if _DELTA_SECONDS.match(value):
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class BaseClient:
    """A governance API client; subclasses add the endpoints. A context manager, or call :meth:`close`."""

    def __init__(
        self,
        base_url: str,
        org_id: str,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_backoff: float = DEFAULT_MAX_BACKOFF_S,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = _utcnow,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx

        if token is not None and not TOKEN_PATTERN.match(token):
            raise CloudConfigError("token: not 1-4096 visible ASCII characters")
        self._token = token
        self._org_id = org_id
        self._max_retries = max_retries
        self._max_backoff = max_backoff
        self._sleep = sleep
        self._now = now
        self.retry_waits: list[float] = []
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout),
            verify=verify,
            transport=transport,
            follow_redirects=False,
            headers={"X-Sentinel-Org": org_id, "User-Agent": "sentinel-agent", "Accept": "application/json"},
        )

    def set_token(self, token: str) -> None:
        if not TOKEN_PATTERN.match(token):
            raise CloudConfigError("token: not 1-4096 visible ASCII characters")
        self._token = token

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _backoff(self, attempt: int, header: str | None) -> float:
        asked = retry_after(header, self._now())
        wait = asked if asked is not None else float(2**attempt)
        return min(wait, self._max_backoff)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """The decoded JSON answer of a 2xx response; raises :class:`APIError` (or a subclass) otherwise."""
        import httpx

        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        attempt = 0
        while True:
            try:
                with self._http.stream(
                    method, path, json=json_body, params=params, headers=headers
                ) as response:
                    body = self._read(response)
                    status, request_id = response.status_code, self._request_id(response)
                    retry_header = response.headers.get("retry-after")
            except httpx.TimeoutException:
                raise ServerUnreachable(None, f"{method} {path}: timed out") from None
            except httpx.TransportError as exc:
                raise ServerUnreachable(None, f"{method} {path}: {type(exc).__name__}") from None
            if 200 <= status < 300:
                return self._decode(body, status, request_id)
            message = self._message(body)
            if status == 401:
                raise AuthenticationError(status, message, request_id)
            if status in RETRY_STATUSES:
                if attempt >= self._max_retries:
                    raise ServerUnreachable(
                        status, f"{message}; gave up after {attempt + 1} attempts", request_id
                    )
                wait = self._backoff(attempt, retry_header)
                self.retry_waits.append(wait)
                log.info("governance API retry", extra={"status": status, "wait_s": wait, "path": path})
                self._sleep(wait)
                attempt += 1
                continue
            raise APIError(status, message, request_id)

    def _read(self, response: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY:
                raise APIError(response.status_code, f"response body over {MAX_BODY} bytes", None)
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _request_id(response: httpx.Response) -> str | None:
        value = response.headers.get("x-request-id")
        return value if value and _REQUEST_ID.match(value) else None

    @staticmethod
    def _decode(body: bytes, status: int, request_id: str | None) -> Any:
        if not body:
            return None
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise APIError(status, "response is not JSON", request_id) from None

    @staticmethod
    def _message(body: bytes) -> str:
        """The server's ``error``/``message`` field, shortened and printable, or a generic text."""
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            value = None
        text = ""
        if isinstance(value, dict):
            found = value.get("error") or value.get("message")
            text = found if isinstance(found, str) else ""
        text = "".join(ch for ch in text if ch.isprintable())[:MAX_MESSAGE]
        return text or "request failed"
