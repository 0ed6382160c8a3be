"""One GitLab merge request's notes through python-gitlab: the comment half of the GitHub port.

``sentinel.bot.comment.upsert_comment`` (the sticky comment: marker, digest, extra copies
deleted, all-clear or delete when clean) uses four calls of :class:`GitHubPort`:
``list_comments``, ``create_comment``, ``update_comment`` and ``delete_comment``. This class
has exactly those, with the same data and errors, over GitLab's Notes API
(``/projects/:id/merge_requests/:iid/notes``), so GitLab merge requests get the same one note,
edited in place. System notes ("added 1 commit") are never ours and are left out.

Hostile or broken servers: at most ``MAX_PAGES`` pages of notes are read, every call has a
timeout, a 5xx answer or a dropped connection is retried ``retries`` times with waits of at most
``MAX_WAIT_S`` (python-gitlab's own retry sleeps as long as a ``Retry-After`` header asks, so it
is switched off, as is its wait on 429), and every failure becomes an :class:`ApiError` whose
text names the status, never the token or the server's text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sentinel.bot.github_port import ApiError, Comment, GitHubPort, NotFound, PermissionDenied

if TYPE_CHECKING:
    import gitlab
    from gitlab.v4.objects import ProjectMergeRequest

PER_PAGE = 100
MAX_PAGES = 50
TIMEOUT_S = 30.0
MAX_WAIT_S = 4.0
T = TypeVar("T")


class TransientError(ApiError):
    """A 5xx answer or a dropped connection: worth another try."""


class GitLabNotesPort:
    """The sticky comment's four calls for merge request ``merge_request`` (its iid) of ``project``
    (numeric id or ``group/name`` path) on the GitLab at ``url`` (e.g. ``$CI_SERVER_URL``)."""

    def __init__(
        self,
        url: str,
        token: str,
        project: str | int,
        merge_request: int,
        timeout: float = TIMEOUT_S,
        retries: int = 3,
    ) -> None:
        import gitlab

        self.merge_request = merge_request
        self._client: gitlab.Gitlab = gitlab.Gitlab(
            url,
            private_token=token,
            timeout=timeout,
            retry_transient_errors=False,
            user_agent="sentinel-policy",
        )
        self._project = project
        self._retries = retries
        # Per request: no sleeping for as long as a 429's Retry-After says.
        self._opts: dict[str, Any] = {"obey_rate_limit": False}

    def as_comment_port(self) -> GitHubPort:
        """This object where the sticky-comment logic asks for a GitHubPort: it only ever calls
        the four comment methods, which this class has with the same signatures."""
        return cast(GitHubPort, self)

    def _mr(self, number: int) -> ProjectMergeRequest:
        project = self._client.projects.get(self._project, lazy=True)
        return project.mergerequests.get(number, lazy=True)

    def list_comments(self, number: int) -> list[Comment]:
        def read() -> list[Comment]:
            notes = self._mr(number).notes.list(
                iterator=True, per_page=PER_PAGE, sort="asc", order_by="created_at", **self._opts
            )
            out: list[Comment] = []
            for seen, note in enumerate(notes):
                if seen >= PER_PAGE * MAX_PAGES:
                    raise ApiError(f"merge request !{number} has more than {seen} notes; not read further")
                attrs: dict[str, Any] = note.attributes
                if attrs.get("system"):
                    continue
                author = attrs.get("author") if isinstance(attrs.get("author"), dict) else {}
                out.append(
                    Comment(
                        int(attrs["id"]),
                        str(attrs.get("body") or ""),
                        str((author or {}).get("username") or ""),
                    )
                )
            return out

        return self._call(f"list the notes of merge request !{number}", read)

    def create_comment(self, number: int, body: str) -> Comment:
        def create() -> Comment:
            note = self._mr(number).notes.create({"body": body}, **self._opts)
            attrs: dict[str, Any] = note.attributes
            return Comment(int(attrs["id"]), str(attrs.get("body") or body))

        return self._call(f"add a note to merge request !{number}", create)

    def update_comment(self, comment_id: int, body: str) -> None:
        notes = self._mr(self.merge_request).notes
        self._call(f"edit note {comment_id}", lambda: notes.update(comment_id, {"body": body}, **self._opts))

    def delete_comment(self, comment_id: int) -> None:
        notes = self._mr(self.merge_request).notes
        self._call(f"delete note {comment_id}", lambda: notes.delete(comment_id, **self._opts))

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """``fn`` with bounded retries of transient failures (5xx, dropped connections)."""
        for attempt in range(self._retries + 1):
            try:
                return _translate(what, fn)
            except TransientError:
                if attempt == self._retries:
                    raise
                time.sleep(min(MAX_WAIT_S, 0.25 * 2**attempt))
        raise AssertionError("unreachable")  # the loop returns or raises


def _translate(what: str, fn: Callable[[], T]) -> T:
    """Run one API call; python-gitlab's and requests' errors become the port's."""
    import gitlab.exceptions
    import requests

    try:
        return fn()
    except gitlab.exceptions.GitlabAuthenticationError as exc:
        raise PermissionDenied(f"could not {what}: the token was refused (401)", 401) from exc
    except gitlab.exceptions.GitlabError as exc:
        status = exc.response_code
        if status == 403:
            raise PermissionDenied(f"could not {what}: the token may not (403)", status) from exc
        if status == 404:
            raise NotFound(f"could not {what}: not found (404)", status) from exc
        error = TransientError if status is not None and status >= 500 else ApiError
        raise error(f"could not {what}: GitLab answered {status or 'with an error'}", status) from exc
    except requests.RequestException as exc:
        raise TransientError(f"could not {what}: {type(exc).__name__}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        # A response that is not the Notes API's shape.
        raise ApiError(f"could not {what}: unexpected answer ({type(exc).__name__})") from exc
