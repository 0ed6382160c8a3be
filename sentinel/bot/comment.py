"""The one sticky comment per pull request, found by its hidden marker and edited in place.

The marker (``<!-- sentinel:comment -->``, or ``<!-- sentinel:comment:<id> -->`` with
``bot.comment_id``) is the body's first line. An edit is skipped when the stored digest
matches; extra marker comments (left by an interrupted run) are deleted. When the findings
disappear, the comment becomes an all-clear or is deleted (``bot.on_clean``); a pull request
that never had findings gets no comment at all. With ``rerender``, an existing comment is
rendered again against its own body, so the new one can say what changed since it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from sentinel.bot.github_port import Comment, GitHubPort, NotFound
from sentinel.bot.render import body_digest
from sentinel.bot.settings import BotSettings


def is_ours(comment: Comment, marker: str) -> bool:
    return (
        comment.body == marker
        or comment.body.startswith(marker + "\n")
        or comment.body.startswith(marker + "\r\n")
    )


@dataclass(frozen=True)
class CommentResult:
    action: str
    existed: bool  # a sticky comment was there before this run


def upsert_comment(
    port: GitHubPort,
    number: int,
    body: str,
    clean: bool,
    settings: BotSettings,
    rerender: Callable[[str], str] | None = None,
) -> CommentResult:
    """Create, edit, delete or leave the sticky comment.

    ``body`` is the first-run body; ``rerender(previous_body)`` gives the body that replaces an
    existing comment (same digest, so an unchanged re-run still writes nothing).
    """
    ours = [c for c in port.list_comments(number) if is_ours(c, settings.marker)]
    keep = ours[0] if ours else None
    for extra in ours[1:]:
        try:
            port.delete_comment(extra.id)
        except NotFound:
            continue
    if keep is None:
        if clean:
            return CommentResult("no comment (no findings)", False)
        port.create_comment(number, body)
        return CommentResult("comment created", False)
    if clean and settings.on_clean == "delete":
        with contextlib.suppress(NotFound):
            port.delete_comment(keep.id)
        return CommentResult("comment deleted (no findings)", True)
    if body_digest(keep.body) == body_digest(body) and body_digest(body) is not None:
        return CommentResult("comment unchanged", True)
    if rerender is not None:
        body = rerender(keep.body)
    port.update_comment(keep.id, body)
    return CommentResult("comment updated", True)
