"""The GitHub port implemented with PyGithub, talking to api.github.com or any ``base_url``.

Reliability, split between two layers:

* PyGithub's ``retry`` (a urllib3 ``Retry``) retries connection errors and 5xx answers with
  exponential backoff (``bot.api.retries``, ``bot.api.backoff``).
* Rate limits are handled here, as GitHub documents them: on 403/429, wait ``retry-after``
  seconds when present; else, when ``x-ratelimit-remaining`` is 0, until ``x-ratelimit-reset``;
  else (a secondary limit without headers) one minute. A wait longer than
  ``bot.api.max_rate_limit_wait`` is not slept: the call fails with ``RateLimited`` so the
  gate can still report its verdict. urllib3 never sees 403/429, so no wait is uncapped.

All objects are lazy (``Github(lazy=True)``): a call makes exactly the request it names.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException
from github.IssueComment import IssueComment
from urllib3.util.retry import Retry

from sentinel.bot.github_port import (
    ApiError,
    CheckOutput,
    CheckRun,
    Comment,
    CommitStatus,
    NewReviewComment,
    NotFound,
    PermissionDenied,
    PullFile,
    PullRequest,
    RateLimited,
    ReviewComment,
)
from sentinel.bot.settings import ApiSettings

T = TypeVar("T")
SECONDARY_DEFAULT_WAIT = 60.0
USER_AGENT = "sentinel-bot"


class ServerErrorRetry(Retry):
    """urllib3 retry for connection errors and 5xx only; rate limits are the port's job."""

    RETRY_AFTER_STATUS_CODES = frozenset()


def server_error_retry(settings: ApiSettings) -> Retry:
    return ServerErrorRetry(
        total=settings.retries,
        backoff_factor=settings.backoff,
        status_forcelist=tuple(range(500, 600)),
        allowed_methods=None,
        respect_retry_after_header=False,
        raise_on_status=False,
    )


def _headers(exc: GithubException) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict):
        return str(data.get("message") or "")
    return str(data or "")


def rate_limit_wait(status: int, headers: dict[str, str], message: str, now: float) -> float | None:
    """Seconds to wait before retrying, or None when this 403/429 is not a rate limit."""
    if status not in (403, 429):
        return None
    retry_after = headers.get("retry-after")
    if retry_after:
        if retry_after.strip().isdigit():
            return float(retry_after.strip())
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - now)
    reset = headers.get("x-ratelimit-reset", "")
    if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
        return max(0.0, int(reset) - now)
    if status == 429 or "rate limit" in message.lower():
        return SECONDARY_DEFAULT_WAIT
    return None


class PyGithubPort:
    """One repository through PyGithub; counts the writes it makes."""

    def __init__(
        self,
        repository: str,
        token: str,
        api_url: str,
        settings: ApiSettings | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or ApiSettings()
        self._sleep = sleep
        self._github = Github(
            auth=Auth.Token(token),
            base_url=api_url.rstrip("/"),
            timeout=max(1, int(self.settings.timeout)),
            user_agent=USER_AGENT,
            per_page=100,
            retry=server_error_retry(self.settings),
            seconds_between_requests=self.settings.seconds_between_requests or None,
            seconds_between_writes=self.settings.seconds_between_writes or None,
            lazy=True,
        )
        self._repo = self._github.get_repo(repository)
        self._comments: dict[int, IssueComment] = {}
        self.writes = 0
        self.waited = 0.0

    def _call(self, what: str, fn: Callable[[], T], write: bool = False) -> T:
        attempts = 0
        while True:
            if write:
                self.writes += 1
            try:
                return fn()
            except GithubException as exc:
                status = int(exc.status or 0)
                wait = rate_limit_wait(status, _headers(exc), _message(exc), time.time())
                if wait is None:
                    raise self._error(what, status, _message(exc)) from exc
                limit = self.settings.max_rate_limit_wait
                if wait > limit or attempts >= self.settings.rate_limit_retries:
                    raise RateLimited(
                        f"{what}: rate limited by GitHub (retry in {wait:.0f}s; "
                        f"waits up to {limit:.0f}s and {self.settings.rate_limit_retries} retries)",
                        status,
                    ) from exc
                attempts += 1
                self.waited += wait
                self._sleep(wait)
            except requests.RequestException as exc:
                raise ApiError(f"{what}: cannot reach GitHub: {exc}") from exc

    @staticmethod
    def _error(what: str, status: int, message: str) -> ApiError:
        text = f"{what}: HTTP {status}" + (f": {message}" if message else "")
        if status in (401, 403):
            return PermissionDenied(text, status)
        if status == 404:
            return NotFound(text, status)
        return ApiError(text, status)

    def get_pull(self, number: int) -> PullRequest:
        def load() -> PullRequest:
            pull = self._repo.get_pull(number)
            head_repo = pull.head.repo
            base_repo = pull.base.repo
            return PullRequest(
                number=pull.number,
                head_sha=pull.head.sha,
                base_sha=pull.base.sha,
                body=pull.body or "",
                title=pull.title or "",
                labels=tuple(label.name for label in pull.labels),
                head_repository=head_repo.full_name if head_repo is not None else None,
                base_repository=base_repo.full_name if base_repo is not None else None,
            )

        return self._call(f"read pull request #{number}", load)

    def list_pull_files(self, number: int) -> list[PullFile]:
        return self._call(
            f"list files of #{number}",
            lambda: [
                PullFile(f.filename, f.status, f.patch) for f in self._repo.get_pull(number).get_files()
            ],
        )

    def list_comments(self, number: int) -> list[Comment]:
        def load() -> list[Comment]:
            out = []
            for item in self._repo.get_issue(number).get_comments():
                self._comments[item.id] = item
                out.append(Comment(item.id, item.body or "", item.user.login if item.user else ""))
            return out

        return self._call(f"list comments of #{number}", load)

    def create_comment(self, number: int, body: str) -> Comment:
        item = self._call(
            f"comment on #{number}", lambda: self._repo.get_issue(number).create_comment(body), write=True
        )
        self._comments[item.id] = item
        return Comment(item.id, item.body or "", item.user.login if item.user else "")

    def _comment(self, comment_id: int) -> IssueComment:
        if comment_id not in self._comments:
            raise NotFound(f"comment {comment_id} was not listed in this run")
        return self._comments[comment_id]

    def update_comment(self, comment_id: int, body: str) -> None:
        item = self._comment(comment_id)
        self._call(f"edit comment {comment_id}", lambda: item.edit(body), write=True)

    def delete_comment(self, comment_id: int) -> None:
        item = self._comment(comment_id)
        self._call(f"delete comment {comment_id}", item.delete, write=True)
        self._comments.pop(comment_id, None)

    def list_repo_labels(self) -> list[str]:
        return self._call("list labels", lambda: [label.name for label in self._repo.get_labels()])

    def create_label(self, name: str, color: str, description: str) -> None:
        try:
            self._call(
                f"create label {name!r}",
                lambda: self._repo.create_label(name, color, description),
                write=True,
            )
        except ApiError as exc:
            if exc.status != 422:  # 422 already_exists: created meanwhile, which is what we want
                raise

    def add_labels(self, number: int, names: list[str]) -> None:
        # PyGithub's Issue.add_to_labels sends a bare JSON array, which GitHub accepts but its
        # OpenAPI description does not; send the documented {"labels": [...]} form instead.
        url = f"{self._repo.url}/issues/{number}/labels"
        self._call(
            f"label #{number}",
            lambda: self._github.requester.requestJsonAndCheck("POST", url, input={"labels": names}),
            write=True,
        )

    def remove_label(self, number: int, name: str) -> None:
        self._call(
            f"unlabel #{number}",
            lambda: self._repo.get_issue(number).remove_from_labels(name),
            write=True,
        )

    def find_check_run(self, sha: str, name: str) -> CheckRun | None:
        def load() -> CheckRun | None:
            runs = self._repo.get_commit(sha).get_check_runs(check_name=name, filter="latest")
            for run in runs:
                if run.name != name:
                    continue
                output = run.output
                return CheckRun(
                    id=run.id,
                    name=run.name,
                    status=run.status,
                    conclusion=run.conclusion,
                    title=(output.title or "") if output else "",
                    summary=(output.summary or "") if output else "",
                    annotations_count=(output.annotations_count or 0) if output else 0,
                )
            return None

        return self._call(f"read check runs of {sha[:7]}", load)

    def create_check_run(
        self, sha: str, name: str, conclusion: str, output: CheckOutput, details_url: str | None
    ) -> int:
        extra: dict[str, Any] = {"details_url": details_url} if details_url else {}
        run = self._call(
            f"create check run on {sha[:7]}",
            lambda: self._repo.create_check_run(
                name=name,
                head_sha=sha,
                status="completed",
                conclusion=conclusion,
                completed_at=datetime.now(UTC),
                output=output.to_api(),
                **extra,
            ),
            write=True,
        )
        return int(run.id)

    def update_check_run(self, run_id: int, output: CheckOutput, conclusion: str | None = None) -> None:
        extra: dict[str, Any] = {"conclusion": conclusion, "status": "completed"} if conclusion else {}
        self._call(
            f"update check run {run_id}",
            lambda: self._repo.get_check_run(run_id).edit(output=output.to_api(), **extra),
            write=True,
        )

    def list_review_comments(self, number: int) -> list[ReviewComment]:
        def load() -> list[ReviewComment]:
            return [
                ReviewComment(
                    item.id,
                    item.body or "",
                    item.path or "",
                    item.line,
                    item.user.login if item.user else "",
                )
                for item in self._repo.get_pull(number).get_review_comments()
            ]

        return self._call(f"list review comments of #{number}", load)

    def create_review(self, number: int, sha: str, body: str, comments: list[NewReviewComment]) -> int:
        # The documented shape (line and side, not the legacy diff position), sent as is.
        url = f"{self._repo.url}/pulls/{number}/reviews"
        payload: dict[str, Any] = {
            "commit_id": sha,
            "body": body,
            "event": "COMMENT",
            "comments": [c.to_api() for c in comments],
        }
        _, data = self._call(
            f"review #{number}",
            lambda: self._github.requester.requestJsonAndCheck("POST", url, input=payload),
            write=True,
        )
        return int(data.get("id") or 0) if isinstance(data, dict) else 0

    def update_review_comment(self, comment_id: int, body: str) -> None:
        url = f"{self._repo.url}/pulls/comments/{comment_id}"
        self._call(
            f"edit review comment {comment_id}",
            lambda: self._github.requester.requestJsonAndCheck("PATCH", url, input={"body": body}),
            write=True,
        )

    def get_status(self, sha: str, context: str) -> CommitStatus | None:
        def load() -> CommitStatus | None:
            for status in self._repo.get_commit(sha).get_combined_status().statuses:
                if status.context == context:
                    return CommitStatus(context, status.state, status.description or "", status.target_url)
            return None

        return self._call(f"read statuses of {sha[:7]}", load)

    def create_status(self, sha: str, status: CommitStatus) -> None:
        extra: dict[str, Any] = {"target_url": status.target_url} if status.target_url else {}
        self._call(
            f"set status on {sha[:7]}",
            lambda: self._repo.get_commit(sha).create_status(
                state=status.state, description=status.description, context=status.context, **extra
            ),
            write=True,
        )
