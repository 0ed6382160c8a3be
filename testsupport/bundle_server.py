"""A bundle server that misbehaves on demand, on a real loopback socket (asyncio streams).

It stands in for a bundle service we do not run here: it serves one bundle with an ETag (304 on a
matching ``If-None-Match``) and honours OPA's long polling (a ``Prefer`` header with ``wait=N``: hold
until the bundle changes or N seconds pass, then 304; answers carry the content type
``application/vnd.openpolicyagent.bundles``, which tells the client the server long-polls). On demand
it fails: ``status`` (e.g. 500), ``hang`` (never answers), ``truncate`` (announces more bytes than it
sends, then closes), ``flood`` (streams bytes without end and no length).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from dataclasses import dataclass, field

LONG_POLL_TYPE = "application/vnd.openpolicyagent.bundles"
MAX_HEAD = 16 * 1024


def prefer_wait(prefer: str) -> int | None:
    """N of ``Prefer: wait=N`` (OPA 1.x sends ``modes=snapshot,delta;wait=N``), else None."""
    for part in prefer.replace(",", ";").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "wait" and value.isdigit():
            return int(value)
    return None


@dataclass
class BundleServer:
    body: bytes = b""
    mode: str = "ok"  # ok | status | hang | truncate | flood
    status: int = 500
    etag_salt: str = ""  # change it to serve the same bytes under a new ETag
    requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _changed: asyncio.Condition | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body + self.etag_salt.encode()).hexdigest()[:16] + '"'

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bundles/bundle.tar.gz"

    async def start(self) -> BundleServer:
        self._changed = asyncio.Condition()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def publish(self, body: bytes) -> None:
        """Serve ``body`` from now on and wake every long poll waiting for a change."""
        assert self._changed is not None
        async with self._changed:
            self.body = body
            self._changed.notify_all()

    async def _read_head(self, reader: asyncio.StreamReader) -> dict[str, str] | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return None
        if len(head) > MAX_HEAD:
            return None
        lines = head.decode("latin-1").split("\r\n")
        headers = {"request-line": lines[0]}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        return headers

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                headers = await self._read_head(reader)
                if headers is None:
                    return
                self.requests.append(headers)
                if not await self._answer(headers, writer):
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    async def _answer(self, headers: dict[str, str], writer: asyncio.StreamWriter) -> bool:
        """Write one response; False when the connection must close."""
        if self.mode == "hang":
            await asyncio.sleep(3600)
            return False
        if self.mode == "status":
            writer.write(f"HTTP/1.1 {self.status} Error\r\nContent-Length: 5\r\n\r\nerror".encode())
            await writer.drain()
            return True
        if self.mode == "flood":
            writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            chunk = b"\0" * 65536
            while True:
                writer.write(chunk)
                await writer.drain()
        wait = prefer_wait(headers.get("prefer", ""))
        long_poll = wait is not None
        kind = LONG_POLL_TYPE if long_poll else "application/gzip"
        if headers.get("if-none-match") == self.etag and long_poll:
            assert self._changed is not None
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: headers.get("if-none-match") != self.etag),
                        wait,
                    )
        if headers.get("if-none-match") == self.etag:
            writer.write(
                f"HTTP/1.1 304 Not Modified\r\nETag: {self.etag}\r\nContent-Type: {kind}\r\n\r\n".encode()
            )
            await writer.drain()
            return True
        body = self.body
        length = len(body)
        if self.mode == "truncate":
            body = body[: length // 2]
        head = f"HTTP/1.1 200 OK\r\nETag: {self.etag}\r\nContent-Type: {kind}\r\n"
        head += f"Content-Length: {length}\r\n\r\n"
        writer.write(head.encode() + body)
        await writer.drain()
        return self.mode != "truncate"
