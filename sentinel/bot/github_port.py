"""The port: the few GitHub operations the bot needs, as plain data in and out.

``github_pygithub.PyGithubPort`` implements it with PyGithub. Everything above this line
(comment upsert, label sync, check runs, PR rules) is written against this interface only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class ApiError(Exception):
    """A GitHub call failed after retries (network, 5xx, rate limit, validation)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PermissionDenied(ApiError):
    """The token may not do this (read-only fork token, missing ``checks: write``, ...)."""


class NotFound(ApiError):
    """The object is gone (a deleted comment, a label already removed)."""


class RateLimited(ApiError):
    """The rate limit did not reset within the configured maximum wait."""


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_sha: str
    base_sha: str
    body: str
    title: str = ""
    labels: tuple[str, ...] = ()
    head_repository: str | None = None
    base_repository: str | None = None


@dataclass(frozen=True)
class PullFile:
    path: str
    status: str = "modified"  # added, removed, modified, renamed, copied, changed, unchanged
    # The file's hunks (unified diff, 3 lines of context); None when GitHub leaves it out.
    patch: str | None = None


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str = ""


@dataclass(frozen=True)
class ReviewComment:
    """A pull-request review comment (a comment on a line of the diff) as GitHub lists it."""

    id: int
    body: str
    path: str
    line: int | None = None
    author: str = ""


@dataclass(frozen=True)
class NewReviewComment:
    """A comment for a new review: on ``line`` of the head version of ``path``."""

    path: str
    line: int
    body: str

    def to_api(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "side": "RIGHT", "body": self.body}


@dataclass(frozen=True)
class Annotation:
    path: str
    start_line: int
    end_line: int
    annotation_level: str
    message: str
    title: str = ""
    raw_details: str = ""

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "annotation_level": self.annotation_level,
            "message": self.message,
        }
        if self.title:
            out["title"] = self.title
        if self.raw_details:
            out["raw_details"] = self.raw_details
        return out


@dataclass(frozen=True)
class CheckOutput:
    title: str
    summary: str
    annotations: list[Annotation] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title, "summary": self.summary}
        if self.annotations:
            out["annotations"] = [a.to_api() for a in self.annotations]
        return out


@dataclass(frozen=True)
class CheckRun:
    id: int
    name: str
    status: str
    conclusion: str | None
    title: str
    summary: str
    annotations_count: int


@dataclass(frozen=True)
class CommitStatus:
    context: str
    state: str
    description: str
    target_url: str | None = None


class GitHubPort(Protocol):
    """One repository's pull requests, comments, labels, check runs and statuses."""

    def get_pull(self, number: int) -> PullRequest: ...

    def list_pull_files(self, number: int) -> list[PullFile]: ...

    def list_comments(self, number: int) -> list[Comment]: ...

    def create_comment(self, number: int, body: str) -> Comment: ...

    def update_comment(self, comment_id: int, body: str) -> None: ...

    def delete_comment(self, comment_id: int) -> None: ...

    def list_repo_labels(self) -> list[str]: ...

    def create_label(self, name: str, color: str, description: str) -> None: ...

    def add_labels(self, number: int, names: list[str]) -> None: ...

    def remove_label(self, number: int, name: str) -> None: ...

    def find_check_run(self, sha: str, name: str) -> CheckRun | None: ...

    def create_check_run(
        self, sha: str, name: str, conclusion: str, output: CheckOutput, details_url: str | None
    ) -> int: ...

    def update_check_run(self, run_id: int, output: CheckOutput, conclusion: str | None = None) -> None: ...

    def list_review_comments(self, number: int) -> list[ReviewComment]: ...

    def create_review(self, number: int, sha: str, body: str, comments: list[NewReviewComment]) -> int: ...

    def update_review_comment(self, comment_id: int, body: str) -> None: ...

    def get_status(self, sha: str, context: str) -> CommitStatus | None: ...

    def create_status(self, sha: str, status: CommitStatus) -> None: ...
