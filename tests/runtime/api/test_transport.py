"""``CoalescingTransport`` (one write per response) on real loopback sockets, and the real server
answering pipelined and ``Connection: close`` requests through it."""

from __future__ import annotations

import asyncio
import json
import socket

from sentinel.runtime.api.transport import CoalescingTransport
from tests.runtime.api.conftest import Running

REQUEST = json.dumps({"tenant": "acme", "subject": "bob", "action": "read", "resource": "doc/1"}).encode()


class _Writer(asyncio.Protocol):
    """Writes ``parts`` through a CoalescingTransport as soon as a client connects, then closes."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        wrapped = CoalescingTransport(transport, asyncio.get_running_loop())
        for part in self.parts:
            wrapped.write(part)
        wrapped.close()


async def _received(parts: list[bytes]) -> list[bytes]:
    """The chunks a client reads until EOF from a server writing ``parts`` in one loop step."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Writer(parts), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    chunks = []
    while chunk := await reader.read(65536):
        chunks.append(chunk)
    writer.close()
    server.close()
    await server.wait_closed()
    return chunks


def test_writes_of_one_loop_step_arrive_in_order_before_the_close() -> None:
    chunks = asyncio.run(_received([b"HTTP/1.1 200 OK\r\n\r\n", b"{}", b"tail"]))
    assert b"".join(chunks) == b"HTTP/1.1 200 OK\r\n\r\n{}tail"


def test_writes_of_one_loop_step_leave_as_one_segment() -> None:
    assert asyncio.run(_received([b"head\r\n\r\n", b"body"])) == [b"head\r\n\r\nbody"]


def _http(body: bytes, extra: bytes = b"") -> bytes:
    return (
        b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + extra
        + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_pipelined_requests_are_answered_in_order(service: Running) -> None:
    other = json.dumps({"tenant": "acme", "subject": "bob", "action": "delete", "resource": "d"}).encode()
    with socket.create_connection(("127.0.0.1", service.server.port), timeout=10) as sock:
        sock.sendall(_http(REQUEST) + _http(other) + _http(REQUEST, b"Connection: close\r\n"))
        data = _read_all(sock)
    lines = data.split(b"\r\n")
    decisions = [line.split(b": ")[1] for line in lines if line.startswith(b"x-policy-decision")]
    assert decisions == [b"allow", b"deny", b"allow"]
    assert data.count(b"HTTP/1.1 200 OK") == 3


def test_a_connection_close_request_gets_the_whole_reply_then_eof(service: Running) -> None:
    with socket.create_connection(("127.0.0.1", service.server.port), timeout=10) as sock:
        sock.sendall(_http(REQUEST, b"Connection: close\r\n"))
        data = _read_all(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    headers = head.split(b"\r\n")
    lengths = [int(line.split(b": ")[1]) for line in headers if line.startswith(b"content-length")]
    assert len(lengths) == 1
    length = lengths[0]
    assert len(body) == length
    assert json.loads(body)["decision"] == "allow"
