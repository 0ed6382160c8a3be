"""A local stand-in for GitLab's merge-request Notes API, the only GitLab endpoints the bot uses.

GitLab publishes no OpenAPI description of the Notes API in a package registry, so the shapes
come from python-gitlab's own unit-test fixtures (python-gitlab/python-gitlab,
``tests/unit/objects/test_draft_notes.py``: the routes under
``/api/v4/projects/1/merge_requests/1/…notes``, GET answering 200 with a JSON list, POST 201
with the created object, PUT with the updated object, DELETE 204; ``tests/unit/conftest.py``:
a client on ``http://localhost`` with ``private_token``, projects and merge requests fetched
``lazy=True`` so no project or merge-request read happens) and from GitLab's Notes API
reference (https://docs.gitlab.com/api/notes/: a note's ``id``, ``body``, ``author``,
``system``, ``noteable_type`` ``MergeRequest``, ``noteable_iid``; the 1,000,000-character
body limit; offset pagination with ``page``/``per_page`` and ``Link``/``X-Next-Page`` headers;
``PRIVATE-TOKEN`` authentication answering 401 without a valid token and 403 for one that
may not write).

State is per merge request. Faults can be injected (5xx answers). Every request is recorded
(method, path); a request for any other route answers 404 and is recorded as an error.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

NOTE_BODY_LIMIT = 1_000_000
_NOTES = re.compile(
    r"^/api/v4/projects/(?P<project>[^/]+)/merge_requests/(?P<iid>\d+)/notes(?:/(?P<note>\d+))?$"
)


@dataclass
class Note:
    id: int
    body: str
    author: str
    system: bool = False
    created_at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"))


class Answer(Exception):
    def __init__(self, status: int, message: Any) -> None:
        super().__init__(str(message))
        self.status = status
        self.message = message


class FakeGitLab:
    """``FakeGitLab(token="glpat-test").start()``; ``url`` is what python-gitlab is given."""

    def __init__(self, token: str, project: str = "1", bot_user: str = "sentinel-bot",
                 read_only_tokens: tuple[str, ...] = ()) -> None:
        self.token = token
        self.project = project
        self.bot_user = bot_user
        self.read_only_tokens = read_only_tokens
        self.notes: dict[int, list[Note]] = {}
        self.requests: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self._failures: list[int] = []
        self._next_id = 100
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGitLab:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.serve(self)

            do_POST = do_PUT = do_DELETE = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def add_note(self, iid: int, body: str, author: str = "someone", system: bool = False) -> Note:
        with self._lock:
            note = Note(self._new_id(), body, author, system)
            self.notes.setdefault(iid, []).append(note)
            return note

    def user_notes(self, iid: int) -> list[Note]:
        return [n for n in self.notes.get(iid, []) if not n.system]

    def fail_server(self, times: int = 1, status: int = 502) -> None:
        self._failures.extend([status] * times)

    def writes(self) -> int:
        return sum(1 for method, _ in self.requests if method != "GET")

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        with self._lock:
            self.requests.append((method, split.path))
            try:
                status, payload, headers = self._dispatch(method, split.path, dict(parse_qsl(split.query)),
                                                          raw, handler.headers.get("PRIVATE-TOKEN", ""))
            except Answer as answer:
                status, payload, headers = answer.status, {"message": answer.message}, {}
        data = b"" if payload is None else json.dumps(payload).encode()
        handler.send_response(status)
        if payload is not None:
            handler.send_header("Content-Type", "application/json")
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _dispatch(self, method: str, path: str, query: dict[str, str], raw: bytes,
                  token: str) -> tuple[int, Any, dict[str, str]]:
        if self._failures:
            raise Answer(self._failures.pop(0), "Bad Gateway")
        match = _NOTES.match(path)
        if match is None:
            self.errors.append(f"{method} {path}: not a route of the Notes API")
            raise Answer(404, "404 Not Found")
        if token not in (self.token, *self.read_only_tokens):
            raise Answer(401, "401 Unauthorized")
        if unquote(match["project"]) != self.project:
            raise Answer(404, "404 Project Not Found")
        iid = int(match["iid"])
        notes = self.notes.setdefault(iid, [])
        note_id = int(match["note"]) if match["note"] else None
        if method != "GET" and token in self.read_only_tokens:
            raise Answer(403, "403 Forbidden")
        if method == "GET" and note_id is None:
            return self._page(notes, iid, query, path)
        if method == "POST" and note_id is None:
            note = Note(self._new_id(), self._body(raw), self.bot_user)
            notes.append(note)
            return 201, self._note(note, iid), {}
        found = next((n for n in notes if n.id == note_id), None)
        if found is None:
            raise Answer(404, "404 Note Not Found")
        if method == "GET":
            return 200, self._note(found, iid), {}
        if method == "PUT":
            if found.author != self.bot_user or found.system:
                raise Answer(403, "403 Forbidden")
            found.body = self._body(raw)
            return 200, self._note(found, iid), {}
        if method == "DELETE":
            if found.author != self.bot_user or found.system:
                raise Answer(403, "403 Forbidden")
            notes.remove(found)
            return 204, None, {}
        self.errors.append(f"{method} {path}: method not allowed")
        raise Answer(405, "405 Method Not Allowed")

    def _body(self, raw: bytes) -> str:
        try:
            data = json.loads(raw or b"{}")
        except ValueError as exc:
            raise Answer(400, "400 Bad request - body is not JSON") from exc
        body = data.get("body") if isinstance(data, dict) else None
        if not isinstance(body, str) or not body:
            raise Answer(400, "400 Bad request - body is missing")
        if len(body) > NOTE_BODY_LIMIT:
            raise Answer(400, {"note": [f"is too long (maximum is {NOTE_BODY_LIMIT} characters)"]})
        return body

    def _page(self, notes: list[Note], iid: int, query: dict[str, str],
              path: str) -> tuple[int, Any, dict[str, str]]:
        ordered = sorted(notes, key=lambda n: (n.created_at, n.id), reverse=query.get("sort") != "asc")
        per_page = max(1, min(int(query.get("per_page", "20")), 100))
        page = max(1, int(query.get("page", "1")))
        chunk = ordered[(page - 1) * per_page: page * per_page]
        headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(ordered))}
        if page * per_page < len(ordered):
            rest = {**query, "page": str(page + 1), "per_page": str(per_page)}
            link = f"{self.url}{path}?" + "&".join(f"{k}={v}" for k, v in rest.items())
            headers["Link"] = f'<{link}>; rel="next"'
            headers["X-Next-Page"] = str(page + 1)
        return 200, [self._note(n, iid) for n in chunk], headers

    def _note(self, note: Note, iid: int) -> dict[str, Any]:
        return {
            "id": note.id,
            "type": None,
            "body": note.body,
            "attachment": None,
            "author": {"id": 1, "username": note.author, "name": note.author, "state": "active",
                       "avatar_url": None, "web_url": f"{self.url}/{note.author}"},
            "created_at": note.created_at,
            "updated_at": note.created_at,
            "system": note.system,
            "noteable_id": 1,
            "noteable_type": "MergeRequest",
            "project_id": int(self.project) if self.project.isdigit() else 1,
            "noteable_iid": iid,
            "resolvable": False,
            "confidential": False,
            "internal": False,
        }
