"""A local, stateful stand-in for api.github.com, checked against GitHub's own OpenAPI description.

The bot talks to it through PyGithub (``base_url``) exactly as it talks to GitHub. Every
request is matched to an operation of GitHub's official description (npm package
``@octokit/openapi``) and validated with openapi-core; every response is validated before it
is sent. A request that fails validation is recorded and answered 422, so a test can never
pass on a request GitHub would reject. Limits the description does not state are enforced
too (comment body length, label and status text lengths), and faults can be injected: 5xx
answers, secondary rate limits with ``retry-after``, primary rate limits with
``x-ratelimit-reset``, a read-only token, a token without the checks permission.

Only the endpoints the bot uses keep state; any other operation answers 404 and is
recorded as an error.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

SPEC_SERVER = "https://api.github.com"
WEB = "https://github.com"
_ROOT = Path(__file__).resolve().parents[1]
SPEC_FILE = _ROOT / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"
COMMENT_BODY_LIMIT = 65_536
LABEL_NAME_LIMIT = 50
LABEL_DESCRIPTION_LIMIT = 100
STATUS_DESCRIPTION_LIMIT = 140
ANNOTATION_TITLE_LIMIT = 255
DOCS = "https://docs.github.com/rest"

Json = Any
_HUNK = re.compile(r"^@@ -[0-9]+(?:,[0-9]+)? \+([0-9]+)(?:,[0-9]+)? @@")


def _errors(exc: BaseException) -> list[str]:
    """The schema errors behind an openapi-core exception, one short line each."""
    out: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for error in getattr(current, "schema_errors", None) or []:
            where = "/".join(str(p) for p in getattr(error, "absolute_path", []))
            message = str(getattr(error, "message", error))
            if len(message) > 240:
                message = message[:100] + " … " + message[-120:]
            keyword = getattr(error, "validator", None)
            rule = f" [{keyword}={str(getattr(error, 'validator_value', ''))[:40]}]" if keyword else ""
            out.append(f"{where or '<root>'}: {message}{rule}")
        current = current.__cause__ or current.__context__
    return out or [f"{type(exc).__name__}: {str(exc)[:300]}"]


class Contract:
    """GitHub's OpenAPI description, loaded once; matches and validates requests and responses."""

    def __init__(self, spec_file: Path) -> None:
        started = time.perf_counter()
        data = json.loads(spec_file.read_text(encoding="utf-8"))
        self.json_seconds = time.perf_counter() - started
        # The description itself is GitHub's; validating it (15 s) would test GitHub, not us.
        self.app = OpenAPI.from_dict(data, config=Config(spec_validator_cls=None))
        self.finder = APICallPathFinder(self.app.spec, base_url=None)
        schemas = data["components"]["schemas"]
        self.basic_error = OAS30Validator(schemas["basic-error"])
        self.validation_error = OAS30Validator(schemas["validation-error"])
        self.version = str(data["info"]["version"])
        self.paths = len(data["paths"])
        self.load_seconds = time.perf_counter() - started
        self.validations = 0
        self.validation_seconds = 0.0
        self._lock = threading.Lock()

    def match(self, method: str, path: str) -> tuple[str, dict[str, str], set[str]]:
        """(operationId, path parameters, documented response codes) or LookupError."""
        try:
            found = self.finder.find(method.lower(), SPEC_SERVER + path)
        except Exception as exc:
            raise LookupError(f"{method} {path} is not an operation of GitHub's API") from exc
        operation = found.operation
        responses = operation["responses"]  # a SchemaPath: iterating it does not yield the keys
        codes = {str(code) for code in responses.keys()}  # noqa: SIM118
        variables = {k: unquote(v) for k, v in found.path_result.variables.items()}
        return str(operation["operationId"]), variables, codes

    def _timed(self, fn: Callable[[], None]) -> list[str]:
        started = time.perf_counter()
        try:
            fn()
            return []
        except Exception as exc:
            return _errors(exc)
        finally:
            with self._lock:
                self.validations += 1
                self.validation_seconds += time.perf_counter() - started

    def validate_request(self, request: MockRequest) -> list[str]:
        return self._timed(lambda: self.app.validate_request(request))

    def validate_response(self, request: MockRequest, response: MockResponse, documented: bool) -> list[str]:
        if documented:
            return self._timed(lambda: self.app.validate_response(request, response))

        def error_shape() -> None:
            body = json.loads(response.data or b"{}")
            validator = self.validation_error if response.status_code == 422 else self.basic_error
            errors = list(validator.iter_errors(body))
            if errors:
                raise ValueError("; ".join(e.message for e in errors))

        return self._timed(error_shape)


@dataclass
class Fault:
    """An injected failure: answers ``status`` to the next ``times`` matching requests."""

    status: int
    times: int = 1
    method: str | None = None
    operation: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "Server Error"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    operation: str
    status: int
    at: float

    @property
    def write(self) -> bool:
        return self.method != "GET"


@dataclass
class Pull:
    number: int
    head_sha: str
    base_sha: str
    body: str = ""
    title: str = "A change"
    files: list[tuple[str, str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    head_repo: str | None = None
    author: str = "contributor"
    # Unified-diff hunks per path, as GitHub lists them (``patch``); review comments must land
    # on a line of these hunks.
    patches: dict[str, str] = field(default_factory=dict)


class Answer(Exception):
    """Raised by a handler to answer with an error status."""

    def __init__(self, status: int, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def right_lines(patch: str) -> set[int]:
    """The head-side line numbers a unified diff's hunks show (added and context lines)."""
    lines: set[int] = set()
    current: int | None = None
    for text in patch.splitlines():
        header = _HUNK.match(text)
        if header is not None:
            current = int(header[1])
            continue
        if current is None or text.startswith("\\"):
            continue
        if text.startswith("-"):
            continue
        lines.add(current)
        current += 1
    return lines


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeGitHub:
    """State, routing and checks; ``start()`` serves it on 127.0.0.1 at a random port."""

    def __init__(self, contract: Contract, repository: str = "octo/widgets", validate: bool = True) -> None:
        self.contract = contract
        self.validate = validate
        self.repository = repository
        self.owner, self.name = repository.split("/")
        self.repo_id = 1296269
        self.pulls: dict[int, Pull] = {}
        self.labels: dict[str, dict[str, Any]] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.annotations: dict[int, list[dict[str, Any]]] = {}
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.reviews: dict[int, dict[str, Any]] = {}
        self.review_comments: dict[int, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.read_only = False
        self.checks_forbidden = False
        self.requests: list[Recorded] = []
        self.validation_errors: list[str] = []
        self.limit_errors: list[str] = []
        self.bot_login = "github-actions[bot]"
        self._ids = 1000
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ---- set-up -------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One write per response and no Nagle delay: keep-alive requests take ~1 ms, not 40.
            disable_nagle_algorithm = True
            wbufsize = -1

            def _serve(self) -> None:
                server.serve(self)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def add_pull(
        self,
        number: int,
        head_sha: str,
        base_sha: str,
        body: str = "",
        files: list[tuple[str, str]] | None = None,
        labels: list[str] | None = None,
        head_repo: str | None = None,
        patches: dict[str, str] | None = None,
    ) -> Pull:
        pull = Pull(
            number,
            head_sha,
            base_sha,
            body,
            files=list(files or []),
            head_repo=head_repo,
            patches=dict(patches or {}),
        )
        for path in pull.patches:
            if path not in {name for name, _ in pull.files}:
                pull.files.append((path, "modified"))
        for name in labels or []:
            self.create_label_state(name, "ededed", "")
            pull.labels.append(name)
        self.pulls[number] = pull
        return pull

    def create_label_state(self, name: str, color: str, description: str) -> dict[str, Any]:
        key = name.lower()
        if key not in self.labels:
            self.labels[key] = {
                "id": self._next(),
                "name": name,
                "color": color,
                "description": description,
            }
        return self.labels[key]

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def fail_server(self, times: int = 1, status: int = 502, method: str | None = None) -> None:
        self.inject(Fault(status, times, method=method))

    def secondary_rate_limit(self, retry_after: int = 1, times: int = 1, method: str | None = None) -> None:
        self.inject(
            Fault(
                403,
                times,
                method=method,
                headers={"retry-after": str(retry_after)},
                message=(
                    "You have exceeded a secondary rate limit. "
                    "Please wait a few minutes before you try again."
                ),
            )
        )

    def primary_rate_limit(self, reset_in: int = 1, times: int = 1, status: int = 429) -> None:
        reset = int(time.time()) + reset_in
        self.inject(
            Fault(
                status,
                times,
                headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
                message="API rate limit exceeded for installation ID 1.",
            )
        )

    # ---- read-back for tests ------------------------------------------------------------

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue"] == number]

    def labels_on(self, number: int) -> list[str]:
        return list(self.pulls[number].labels)

    def review_comments_on(self, number: int) -> list[dict[str, Any]]:
        return sorted(
            (c for c in self.review_comments.values() if c["pull"] == number), key=lambda c: c["id"]
        )

    def reviews_on(self, number: int) -> list[dict[str, Any]]:
        return [r for r in self.reviews.values() if r["pull"] == number]

    def check_runs_for(self, sha: str) -> list[dict[str, Any]]:
        return [r for r in self.check_runs.values() if r["head_sha"] == sha]

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.method for r in self.requests)

    @property
    def writes(self) -> int:
        return sum(r.write for r in self.requests)

    def reset_log(self) -> None:
        self.requests.clear()

    def take_errors(self) -> list[str]:
        out = self.validation_errors + self.limit_errors
        self.validation_errors.clear()
        self.limit_errors.clear()
        return out

    # ---- HTTP ---------------------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        path = split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k: v for k, v in handler.headers.items()}
        with self._lock:
            status, body, extra = self._dispatch(method, path, query, headers, raw)
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("X-GitHub-Request-Id", f"LOCAL:{len(self.requests)}")
        handler.send_header("X-RateLimit-Limit", "5000")
        handler.send_header("X-RateLimit-Resource", "core")
        lowered = {k.lower() for k in extra}
        if "x-ratelimit-remaining" not in lowered:
            handler.send_header("X-RateLimit-Remaining", "4999")
            handler.send_header("X-RateLimit-Reset", str(int(time.time()) + 3600))
        for key, value in extra.items():
            handler.send_header(key, value)
        handler.end_headers()
        if data:
            handler.wfile.write(data)

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> tuple[int, Json, dict[str, str]]:
        at = time.time()
        content_type = (
            headers.get("Content-Type", "application/json").split(";")[0].strip() or "application/json"
        )
        request = MockRequest(
            SPEC_SERVER,
            method,
            path,
            args=query,
            headers=headers,
            data=raw or None,
            content_type=content_type,
        )
        try:
            operation, params, documented = self.contract.match(method, path)
        except LookupError as exc:
            self.validation_errors.append(str(exc))
            self.requests.append(Recorded(method, path, "", 404, at))
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        status, body, extra = self._answer(method, operation, params, query, raw, request)
        if self.validate:
            response = MockResponse(
                b"" if body is None else json.dumps(body).encode("utf-8"),
                status_code=status,
                headers={"Content-Type": "application/json; charset=utf-8", **extra},
            )
            problems = self.contract.validate_response(request, response, str(status) in documented)
            self.validation_errors.extend(f"response to {method} {path} ({status}): {p}" for p in problems)
        self.requests.append(Recorded(method, path, operation, status, at))
        return status, body, extra

    def _answer(
        self,
        method: str,
        operation: str,
        params: dict[str, str],
        query: dict[str, str],
        raw: bytes,
        request: MockRequest,
    ) -> tuple[int, Json, dict[str, str]]:
        if self.validate:
            problems = self.contract.validate_request(request)
            if problems:
                self.validation_errors.extend(f"request {method} {request.path}: {p}" for p in problems)
                return 422, {"message": "Invalid request.", "documentation_url": DOCS}, {}
        fault = self._fault(method, operation)
        if fault is not None:
            return fault.status, {"message": fault.message, "documentation_url": DOCS}, dict(fault.headers)
        if method != "GET" and self.read_only:
            return 403, {"message": "Resource not accessible by integration", "documentation_url": DOCS}, {}
        if operation.startswith("checks/") and method != "GET" and self.checks_forbidden:
            return 403, {"message": "Resource not accessible by integration", "documentation_url": DOCS}, {}
        if f"{params.get('owner')}/{params.get('repo')}" != self.repository:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        handler = getattr(self, "op_" + operation.replace("/", "_").replace("-", "_"), None)
        if handler is None:
            self.validation_errors.append(f"operation {operation} is not implemented by the local server")
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        body = json.loads(raw) if raw else None
        try:
            result = handler(params, query, body)
        except Answer as answer:
            payload: dict[str, Any] = {"message": answer.message, "documentation_url": DOCS}
            if answer.errors is not None:
                payload["errors"] = answer.errors
            return answer.status, payload, {}
        if isinstance(result, tuple) and len(result) == 3:
            return result
        status, data = result
        return status, data, {}

    def _fault(self, method: str, operation: str) -> Fault | None:
        for fault in self.faults:
            if fault.times <= 0:
                continue
            if fault.method and fault.method != method:
                continue
            if fault.operation and fault.operation != operation:
                continue
            fault.times -= 1
            return fault
        return None

    def _limit(self, what: str, resource: str, field_name: str, limit: int, value: str) -> None:
        if len(value) > limit:
            message = f"{field_name} is too long (maximum is {limit} characters)"
            self.limit_errors.append(f"{what}: {message} (got {len(value)})")
            raise Answer(
                422,
                "Validation Failed",
                [{"resource": resource, "code": "custom", "field": field_name, "message": message}],
            )

    def _next(self) -> int:
        self._ids += 1
        return self._ids

    def _page(self, items: list[Any], query: dict[str, str], path: str) -> tuple[int, Json, dict[str, str]]:
        per_page = max(1, min(int(query.get("per_page", 30)), 100))
        page = max(1, int(query.get("page", 1)))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        base = f"{self.url}{path}?per_page={per_page}"
        extra_query = "".join(f"&{k}={v}" for k, v in query.items() if k not in ("per_page", "page"))
        if page < last:
            links.append(f'<{base}{extra_query}&page={page + 1}>; rel="next"')
            links.append(f'<{base}{extra_query}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base}{extra_query}&page=1>; rel="first"')
            links.append(f'<{base}{extra_query}&page={page - 1}>; rel="prev"')
        return 200, chunk, ({"Link": ", ".join(links)} if links else {})

    # ---- GitHub-shaped objects ----------------------------------------------------------

    def _user(self, login: str) -> dict[str, Any]:
        api = f"{self.url}/users/{login}"
        return {
            "login": login,
            "id": abs(hash(login)) % 10_000_000,
            "node_id": f"U_{login}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{abs(hash(login)) % 1000}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{WEB}/{login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": "Bot" if login.endswith("[bot]") else "User",
            "site_admin": False,
        }

    def _repository(self, full_name: str, full: bool = False) -> dict[str, Any]:
        owner, name = full_name.split("/")
        api = f"{self.url}/repos/{full_name}"
        repo: dict[str, Any] = {
            "id": self.repo_id if full_name == self.repository else abs(hash(full_name)) % 10_000_000,
            "node_id": f"R_{name}",
            "name": name,
            "full_name": full_name,
            "owner": self._user(owner),
            "private": False,
            "html_url": f"{WEB}/{full_name}",
            "description": "A repository checked by Sentinel",
            "fork": full_name != self.repository,
            "url": api,
            "archive_url": f"{api}/{{archive_format}}{{/ref}}",
            "assignees_url": f"{api}/assignees{{/user}}",
            "blobs_url": f"{api}/git/blobs{{/sha}}",
            "branches_url": f"{api}/branches{{/branch}}",
            "collaborators_url": f"{api}/collaborators{{/collaborator}}",
            "comments_url": f"{api}/comments{{/number}}",
            "commits_url": f"{api}/commits{{/sha}}",
            "compare_url": f"{api}/compare/{{base}}...{{head}}",
            "contents_url": f"{api}/contents/{{+path}}",
            "contributors_url": f"{api}/contributors",
            "deployments_url": f"{api}/deployments",
            "downloads_url": f"{api}/downloads",
            "events_url": f"{api}/events",
            "forks_url": f"{api}/forks",
            "git_commits_url": f"{api}/git/commits{{/sha}}",
            "git_refs_url": f"{api}/git/refs{{/sha}}",
            "git_tags_url": f"{api}/git/tags{{/sha}}",
            "git_url": f"git://github.com/{full_name}.git",
            "issue_comment_url": f"{api}/issues/comments{{/number}}",
            "issue_events_url": f"{api}/issues/events{{/number}}",
            "issues_url": f"{api}/issues{{/number}}",
            "keys_url": f"{api}/keys{{/key_id}}",
            "labels_url": f"{api}/labels{{/name}}",
            "languages_url": f"{api}/languages",
            "merges_url": f"{api}/merges",
            "milestones_url": f"{api}/milestones{{/number}}",
            "notifications_url": f"{api}/notifications{{?since,all,participating}}",
            "pulls_url": f"{api}/pulls{{/number}}",
            "releases_url": f"{api}/releases{{/id}}",
            "ssh_url": f"git@github.com:{full_name}.git",
            "stargazers_url": f"{api}/stargazers",
            "statuses_url": f"{api}/statuses/{{sha}}",
            "subscribers_url": f"{api}/subscribers",
            "subscription_url": f"{api}/subscription",
            "tags_url": f"{api}/tags",
            "teams_url": f"{api}/teams",
            "trees_url": f"{api}/git/trees{{/sha}}",
            "clone_url": f"{WEB}/{full_name}.git",
            "mirror_url": None,
            "hooks_url": f"{api}/hooks",
            "svn_url": f"{WEB}/{full_name}",
            "homepage": None,
            "language": "Python",
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": 128,
            "default_branch": "main",
            "open_issues_count": len(self.pulls),
            "open_issues": len(self.pulls),
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": True,
            "has_wiki": True,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "public",
            "pushed_at": "2024-05-01T10:00:00Z",
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2024-05-01T10:00:00Z",
            "license": None,
            "allow_forking": True,
            "web_commit_signoff_required": False,
        }
        if full:
            repo["network_count"] = 0
            repo["subscribers_count"] = 1
        return repo

    def _label(self, label: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": label["id"],
            "node_id": f"LA_{label['id']}",
            "url": f"{self.url}/repos/{self.repository}/labels/{label['name']}",
            "name": label["name"],
            "description": label["description"] or None,
            "color": label["color"],
            "default": False,
        }

    def _issue_labels(self, pull: Pull) -> list[dict[str, Any]]:
        return [self._label(self.labels[name.lower()]) for name in pull.labels]

    def _branch(self, pull: Pull, sha: str, ref: str, repo: str) -> dict[str, Any]:
        owner = repo.split("/")[0]
        return {
            "label": f"{owner}:{ref}",
            "ref": ref,
            "repo": self._repository(repo),
            "sha": sha,
            "user": self._user(owner),
        }

    def _pull(self, pull: Pull) -> dict[str, Any]:
        api = f"{self.url}/repos/{self.repository}"
        html = f"{WEB}/{self.repository}/pull/{pull.number}"
        head_repo = pull.head_repo or self.repository
        return {
            "url": f"{api}/pulls/{pull.number}",
            "id": 100_000 + pull.number,
            "node_id": f"PR_{pull.number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": f"{api}/issues/{pull.number}",
            "commits_url": f"{api}/pulls/{pull.number}/commits",
            "review_comments_url": f"{api}/pulls/{pull.number}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{api}/issues/{pull.number}/comments",
            "statuses_url": f"{api}/statuses/{pull.head_sha}",
            "number": pull.number,
            "state": "open",
            "locked": False,
            "title": pull.title,
            "user": self._user(pull.author),
            "body": pull.body or None,
            "labels": self._issue_labels(pull),
            "milestone": None,
            "active_lock_reason": None,
            "created_at": "2024-05-01T10:00:00Z",
            "updated_at": "2024-05-01T10:00:00Z",
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self._branch(pull, pull.head_sha, f"feature-{pull.number}", head_repo),
            "base": self._branch(pull, pull.base_sha, "main", self.repository),
            "_links": {
                "self": {"href": f"{api}/pulls/{pull.number}"},
                "html": {"href": html},
                "issue": {"href": f"{api}/issues/{pull.number}"},
                "comments": {"href": f"{api}/issues/{pull.number}/comments"},
                "review_comments": {"href": f"{api}/pulls/{pull.number}/comments"},
                "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
                "commits": {"href": f"{api}/pulls/{pull.number}/commits"},
                "statuses": {"href": f"{api}/statuses/{pull.head_sha}"},
            },
            "author_association": "CONTRIBUTOR",
            "auto_merge": None,
            "draft": False,
            "merged": False,
            "mergeable": True,
            "rebaseable": True,
            "mergeable_state": "clean",
            "merged_by": None,
            "comments": len(self.comments_on(pull.number)),
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": 1,
            "additions": 10 * len(pull.files),
            "deletions": 0,
            "changed_files": len(pull.files),
        }

    def _comment(self, comment: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.url}/repos/{self.repository}"
        return {
            "id": comment["id"],
            "node_id": f"IC_{comment['id']}",
            "url": f"{api}/issues/comments/{comment['id']}",
            "html_url": f"{WEB}/{self.repository}/pull/{comment['issue']}#issuecomment-{comment['id']}",
            "body": comment["body"],
            "user": self._user(comment["user"]),
            "created_at": comment["created_at"],
            "updated_at": comment["updated_at"],
            "issue_url": f"{api}/issues/{comment['issue']}",
            "author_association": "NONE",
            "performed_via_github_app": None,
        }

    def _app(self) -> dict[str, Any]:
        return {
            "id": 15368,
            "slug": "github-actions",
            "node_id": "MDM6QXBwMTUzNjg=",
            "owner": self._user("github"),
            "name": "GitHub Actions",
            "description": "Automate your workflow from idea to production",
            "external_url": "https://help.github.com/en/actions",
            "html_url": f"{WEB}/apps/github-actions",
            "created_at": "2018-07-30T09:30:17Z",
            "updated_at": "2019-12-10T19:04:12Z",
            "permissions": {"checks": "write", "contents": "read", "metadata": "read"},
            "events": [],
        }

    def _check_run(self, run: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.url}/repos/{self.repository}"
        output = run["output"]
        return {
            "id": run["id"],
            "head_sha": run["head_sha"],
            "node_id": f"CR_{run['id']}",
            "external_id": run.get("external_id") or "",
            "url": f"{api}/check-runs/{run['id']}",
            "html_url": f"{WEB}/{self.repository}/runs/{run['id']}",
            "details_url": run.get("details_url") or f"{WEB}/{self.repository}/runs/{run['id']}",
            "status": run["status"],
            "conclusion": run["conclusion"],
            "started_at": run["started_at"],
            "completed_at": run["completed_at"],
            "output": {
                "title": output.get("title"),
                "summary": output.get("summary"),
                "text": output.get("text"),
                "annotations_count": len(self.annotations.get(run["id"], [])),
                "annotations_url": f"{api}/check-runs/{run['id']}/annotations",
            },
            "name": run["name"],
            "check_suite": {"id": 5000 + run["id"]},
            "app": self._app(),
            "pull_requests": [],
        }

    def _status(self, status: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"{self.url}/repos/{self.repository}/statuses/{status['sha']}",
            "avatar_url": None,
            "id": status["id"],
            "node_id": f"SC_{status['id']}",
            "state": status["state"],
            "description": status["description"],
            "target_url": status["target_url"],
            "context": status["context"],
            "created_at": status["created_at"],
            "updated_at": status["created_at"],
            "creator": self._user(self.bot_login),
        }

    def _pull_for(self, params: dict[str, str], key: str) -> Pull:
        try:
            return self.pulls[int(params[key])]
        except (KeyError, ValueError):
            raise Answer(404, "Not Found") from None

    # ---- operations (named after GitHub's operationId) ----------------------------------

    def op_repos_get(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        return 200, self._repository(self.repository, full=True)

    def op_pulls_get(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        return 200, self._pull(self._pull_for(params, "pull_number"))

    def op_pulls_list_files(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        pull = self._pull_for(params, "pull_number")
        entries = [
            {
                "sha": f"{abs(hash(path)) % 16**12:012x}",
                "filename": path,
                "status": status,
                "additions": 10,
                "deletions": 0,
                "changes": 10,
                "blob_url": f"{WEB}/{self.repository}/blob/{pull.head_sha}/{path}",
                "raw_url": f"{WEB}/{self.repository}/raw/{pull.head_sha}/{path}",
                "contents_url": f"{self.url}/repos/{self.repository}/contents/{path}?ref={pull.head_sha}",
                **({"patch": pull.patches[path]} if path in pull.patches else {}),
            }
            for path, status in pull.files
        ]
        return self._page(entries, query, f"/repos/{self.repository}/pulls/{pull.number}/files")

    def op_issues_list_comments(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        pull = self._pull_for(params, "issue_number")
        items = [self._comment(c) for c in sorted(self.comments_on(pull.number), key=lambda c: c["id"])]
        return self._page(items, query, f"/repos/{self.repository}/issues/{pull.number}/comments")

    def op_issues_create_comment(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        pull = self._pull_for(params, "issue_number")
        self._limit("create comment", "IssueComment", "body", COMMENT_BODY_LIMIT, body["body"])
        now = _now()
        comment = {
            "id": self._next(),
            "issue": pull.number,
            "body": body["body"],
            "user": self.bot_login,
            "created_at": now,
            "updated_at": now,
        }
        self.comments[comment["id"]] = comment
        return (
            201,
            self._comment(comment),
            {"Location": f"{self.url}/repos/{self.repository}/issues/comments/{comment['id']}"},
        )

    def _comment_for(self, params: dict[str, str]) -> dict[str, Any]:
        try:
            return self.comments[int(params["comment_id"])]
        except (KeyError, ValueError):
            raise Answer(404, "Not Found") from None

    def op_issues_get_comment(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        return 200, self._comment(self._comment_for(params))

    def op_issues_update_comment(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        comment = self._comment_for(params)
        self._limit("update comment", "IssueComment", "body", COMMENT_BODY_LIMIT, body["body"])
        comment["body"] = body["body"]
        comment["updated_at"] = _now()
        return 200, self._comment(comment)

    def op_issues_delete_comment(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        comment = self._comment_for(params)
        del self.comments[comment["id"]]
        return 204, None

    # ---- pull-request reviews and review comments ----------------------------------------

    def _review_line_problem(self, pull: Pull, comment: dict[str, Any]) -> str | None:
        """Why GitHub would refuse this review comment's place, or None."""
        path = comment.get("path")
        if path not in {name for name, _ in pull.files}:
            return "Path could not be resolved"
        if comment.get("position") is not None or comment.get("side", "RIGHT") != "RIGHT":
            return "this stand-in serves line comments on the RIGHT side only"
        line = comment.get("line")
        if not isinstance(line, int):
            return "line is required"
        patch = pull.patches.get(path)
        if patch is not None and line not in right_lines(patch):
            return "Pull request review thread line must be part of the diff"
        return None

    def op_pulls_create_review(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        pull = self._pull_for(params, "pull_number")
        body = body or {}
        event = body.get("event")
        text = body.get("body") or ""
        if event in ("COMMENT", "REQUEST_CHANGES") and not text:
            raise Answer(
                422,
                "Unprocessable Entity",
                [{"resource": "PullRequestReview", "code": "missing_field", "field": "body"}],
            )
        self._limit("create review", "PullRequestReview", "body", COMMENT_BODY_LIMIT, text)
        comments = body.get("comments") or []
        for index, comment in enumerate(comments):
            self._limit(
                "create review", "PullRequestReviewComment", "body", COMMENT_BODY_LIMIT, comment["body"]
            )
            problem = self._review_line_problem(pull, comment)
            if problem is not None:
                self.limit_errors.append(f"create review: comments[{index}]: {problem}")
                # GitHub answers this one with plain-string errors (validation-error-simple).
                raise Answer(422, "Unprocessable Entity", [problem])
        commit = body.get("commit_id") or pull.head_sha
        now = _now()
        review: dict[str, Any] = {
            "id": self._next(),
            "pull": pull.number,
            "body": text,
            "state": {
                "COMMENT": "COMMENTED",
                "APPROVE": "APPROVED",
                "REQUEST_CHANGES": "CHANGES_REQUESTED",
            }.get(event or "", "PENDING"),
            "commit_id": commit,
            "user": self.bot_login,
            "submitted_at": now,
        }
        self.reviews[review["id"]] = review
        for comment in comments:
            item: dict[str, Any] = {
                "id": self._next(),
                "pull": pull.number,
                "review": review["id"],
                "path": comment["path"],
                "line": comment["line"],
                "body": comment["body"],
                "commit_id": commit,
                "user": self.bot_login,
                "created_at": now,
                "updated_at": now,
            }
            self.review_comments[item["id"]] = item
        return 200, self._review(review)

    def op_pulls_list_review_comments(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        pull = self._pull_for(params, "pull_number")
        items = [self._review_comment(c) for c in self.review_comments_on(pull.number)]
        return self._page(items, query, f"/repos/{self.repository}/pulls/{pull.number}/comments")

    def op_pulls_update_review_comment(
        self, params: dict[str, str], query: dict[str, str], body: Json
    ) -> Any:
        try:
            comment = self.review_comments[int(params["comment_id"])]
        except (KeyError, ValueError):
            raise Answer(404, "Not Found") from None
        self._limit(
            "update review comment", "PullRequestReviewComment", "body", COMMENT_BODY_LIMIT, body["body"]
        )
        comment["body"] = body["body"]
        comment["updated_at"] = _now()
        return 200, self._review_comment(comment)

    def _review(self, review: dict[str, Any]) -> dict[str, Any]:
        html = f"{WEB}/{self.repository}/pull/{review['pull']}"
        return {
            "id": review["id"],
            "node_id": f"PRR_{review['id']}",
            "user": self._user(review["user"]),
            "body": review["body"],
            "state": review["state"],
            "html_url": f"{html}#pullrequestreview-{review['id']}",
            "pull_request_url": f"{self.url}/repos/{self.repository}/pulls/{review['pull']}",
            "_links": {
                "html": {"href": f"{html}#pullrequestreview-{review['id']}"},
                "pull_request": {"href": f"{self.url}/repos/{self.repository}/pulls/{review['pull']}"},
            },
            "submitted_at": review["submitted_at"],
            "commit_id": review["commit_id"],
            "author_association": "NONE",
        }

    def _review_comment(self, comment: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.url}/repos/{self.repository}"
        html = f"{WEB}/{self.repository}/pull/{comment['pull']}#discussion_r{comment['id']}"
        patch = self.pulls[comment["pull"]].patches.get(comment["path"], "")
        return {
            "url": f"{api}/pulls/comments/{comment['id']}",
            "pull_request_review_id": comment["review"],
            "id": comment["id"],
            "node_id": f"PRRC_{comment['id']}",
            "diff_hunk": patch.split("\n@@")[0] if patch else "@@ -1 +1 @@",
            "path": comment["path"],
            "commit_id": comment["commit_id"],
            "original_commit_id": comment["commit_id"],
            "user": self._user(comment["user"]),
            "body": comment["body"],
            "created_at": comment["created_at"],
            "updated_at": comment["updated_at"],
            "html_url": html,
            "pull_request_url": f"{api}/pulls/{comment['pull']}",
            "author_association": "NONE",
            "_links": {
                "self": {"href": f"{api}/pulls/comments/{comment['id']}"},
                "html": {"href": html},
                "pull_request": {"href": f"{api}/pulls/{comment['pull']}"},
            },
            "line": comment["line"],
            "original_line": comment["line"],
            "side": "RIGHT",
            # GitHub sends start_line, original_start_line and start_side as null for a one-line
            # comment; the description's enum for start_side leaves null out, so they are omitted.
            "subject_type": "line",
        }

    def op_issues_list_labels_for_repo(
        self, params: dict[str, str], query: dict[str, str], body: Json
    ) -> Any:
        items = [self._label(label) for label in sorted(self.labels.values(), key=lambda x: x["id"])]
        return self._page(items, query, f"/repos/{self.repository}/labels")

    def op_issues_create_label(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        name = body["name"]
        self._limit("create label", "Label", "name", LABEL_NAME_LIMIT, name)
        self._limit(
            "create label", "Label", "description", LABEL_DESCRIPTION_LIMIT, body.get("description") or ""
        )
        if name.lower() in self.labels:
            raise Answer(
                422, "Validation Failed", [{"resource": "Label", "code": "already_exists", "field": "name"}]
            )
        color = (body.get("color") or "ededed").lstrip("#")
        label = self.create_label_state(name, color, body.get("description") or "")
        return 201, self._label(label)

    def op_issues_list_labels_on_issue(
        self, params: dict[str, str], query: dict[str, str], body: Json
    ) -> Any:
        pull = self._pull_for(params, "issue_number")
        return self._page(
            self._issue_labels(pull), query, f"/repos/{self.repository}/issues/{pull.number}/labels"
        )

    def op_issues_add_labels(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        pull = self._pull_for(params, "issue_number")
        names = body.get("labels") if isinstance(body, dict) else body
        for item in names or []:
            name = item["name"] if isinstance(item, dict) else item
            # GitHub creates labels that do not exist yet (with the default colour).
            label = self.create_label_state(name, "ededed", "")
            if label["name"].lower() not in {n.lower() for n in pull.labels}:
                pull.labels.append(label["name"])
        return 200, self._issue_labels(pull)

    def op_issues_remove_label(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        pull = self._pull_for(params, "issue_number")
        name = params["name"].lower()
        present = [n for n in pull.labels if n.lower() == name]
        if not present:
            raise Answer(404, "Label does not exist")
        pull.labels.remove(present[0])
        return 200, self._issue_labels(pull)

    def _check_output(self, what: str, output: dict[str, Any]) -> list[dict[str, Any]]:
        annotations = output.get("annotations") or []
        for annotation in annotations:
            self._limit(what, "CheckRun", "title", ANNOTATION_TITLE_LIMIT, annotation.get("title") or "")
        return list(annotations)

    def op_checks_create(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        output = body.get("output") or {}
        annotations = self._check_output("create check run", output)
        completed = body.get("conclusion") is not None or body.get("status") == "completed"
        now = _now()
        run = {
            "id": self._next(),
            "name": body["name"],
            "head_sha": body["head_sha"],
            "status": "completed" if completed else body.get("status", "queued"),
            "conclusion": body.get("conclusion"),
            "started_at": body.get("started_at") or now,
            "completed_at": (body.get("completed_at") or now) if completed else None,
            "details_url": body.get("details_url"),
            "external_id": body.get("external_id"),
            "output": {k: output.get(k) for k in ("title", "summary", "text")},
        }
        self.check_runs[run["id"]] = run
        self.annotations[run["id"]] = annotations
        return 201, self._check_run(run)

    def _run_for(self, params: dict[str, str]) -> dict[str, Any]:
        try:
            return self.check_runs[int(params["check_run_id"])]
        except (KeyError, ValueError):
            raise Answer(404, "Not Found") from None

    def op_checks_get(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        return 200, self._check_run(self._run_for(params))

    def op_checks_update(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        run = self._run_for(params)
        output = body.get("output")
        if output is not None:
            # GitHub appends annotations on every update; title, summary and text are replaced.
            self.annotations[run["id"]].extend(self._check_output("update check run", output))
            for key in ("title", "summary", "text"):
                if key in output:
                    run["output"][key] = output[key]
        if body.get("conclusion") is not None:
            run["conclusion"] = body["conclusion"]
            run["status"] = "completed"
            run["completed_at"] = body.get("completed_at") or _now()
        elif body.get("status"):
            run["status"] = body["status"]
        for key in ("name", "details_url", "external_id"):
            if key in body:
                run[key] = body[key]
        return 200, self._check_run(run)

    def op_checks_list_for_ref(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        ref = params["ref"]
        runs = [r for r in self.check_runs.values() if r["head_sha"] == ref]
        if query.get("check_name"):
            runs = [r for r in runs if r["name"] == query["check_name"]]
        if query.get("status"):
            runs = [r for r in runs if r["status"] == query["status"]]
        if query.get("filter", "latest") == "latest":
            latest: dict[str, dict[str, Any]] = {}
            for run in sorted(runs, key=lambda r: r["id"]):
                latest[run["name"]] = run
            runs = list(latest.values())
        runs.sort(key=lambda r: -r["id"])
        per_page = max(1, min(int(query.get("per_page", 30)), 100))
        page = max(1, int(query.get("page", 1)))
        chunk = runs[(page - 1) * per_page : page * per_page]
        return 200, {"total_count": len(runs), "check_runs": [self._check_run(r) for r in chunk]}

    def op_checks_list_annotations(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        run = self._run_for(params)
        items = [
            {
                "path": a["path"],
                "start_line": a["start_line"],
                "end_line": a["end_line"],
                "start_column": a.get("start_column"),
                "end_column": a.get("end_column"),
                "annotation_level": a["annotation_level"],
                "title": a.get("title"),
                "message": a["message"],
                "raw_details": a.get("raw_details"),
                "blob_href": f"{WEB}/{self.repository}/blob/{run['head_sha']}/{a['path']}",
            }
            for a in self.annotations[run["id"]]
        ]
        return self._page(items, query, f"/repos/{self.repository}/check-runs/{run['id']}/annotations")

    def op_repos_create_commit_status(self, params: dict[str, str], query: dict[str, str], body: Json) -> Any:
        self._limit(
            "create status", "Status", "description", STATUS_DESCRIPTION_LIMIT, body.get("description") or ""
        )
        status = {
            "id": self._next(),
            "sha": params["sha"],
            "state": body["state"],
            "description": body.get("description"),
            "target_url": body.get("target_url"),
            "context": body.get("context") or "default",
            "created_at": _now(),
        }
        self.statuses.setdefault(params["sha"], []).append(status)
        return 201, self._status(status)

    def op_repos_get_combined_status_for_ref(
        self, params: dict[str, str], query: dict[str, str], body: Json
    ) -> Any:
        ref = params["ref"]
        latest: dict[str, dict[str, Any]] = {}
        for status in self.statuses.get(ref, []):
            latest[status["context"].lower()] = status
        statuses = sorted(latest.values(), key=lambda s: -s["id"])
        states = {s["state"] for s in statuses}
        state = (
            "failure"
            if states & {"failure", "error"}
            else ("pending" if not statuses or "pending" in states else "success")
        )
        simple = [
            {
                "id": s["id"],
                "node_id": f"SC_{s['id']}",
                "state": s["state"],
                "description": s["description"],
                "target_url": s["target_url"],
                "context": s["context"],
                "avatar_url": None,
                "url": f"{self.url}/repos/{self.repository}/statuses/{ref}",
                "created_at": s["created_at"],
                "updated_at": s["created_at"],
            }
            for s in statuses
        ]
        return 200, {
            "state": state,
            "statuses": simple,
            "sha": ref,
            "total_count": len(simple),
            "repository": self._minimal_repository(),
            "commit_url": f"{self.url}/repos/{self.repository}/commits/{ref}",
            "url": f"{self.url}/repos/{self.repository}/commits/{ref}/status",
        }

    def op_repos_list_commit_statuses_for_ref(
        self, params: dict[str, str], query: dict[str, str], body: Json
    ) -> Any:
        items = [self._status(s) for s in reversed(self.statuses.get(params["ref"], []))]
        return self._page(items, query, f"/repos/{self.repository}/commits/{params['ref']}/statuses")

    def _minimal_repository(self) -> dict[str, Any]:
        return self._repository(self.repository)
