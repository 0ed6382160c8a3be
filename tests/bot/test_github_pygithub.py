"""The PyGithub adapter against the local server: retries, rate limits, permissions."""

from __future__ import annotations

import time

import pytest

from sentinel.bot.github_port import ApiError, NotFound, PermissionDenied, RateLimited
from sentinel.bot.github_pygithub import PyGithubPort, rate_limit_wait
from sentinel.bot.settings import ApiSettings
from tests.bot.conftest import BASE, HEAD
from testsupport.github_server import FakeGitHub

FAST = ApiSettings(retries=3, backoff=0.01, seconds_between_writes=0, max_rate_limit_wait=5)


def _port(github: FakeGitHub, settings: ApiSettings = FAST) -> PyGithubPort:
    github.add_pull(7, HEAD, BASE, body="hello")
    return PyGithubPort(github.repository, "ghs_test", github.url, settings)


def test_server_errors_are_retried_until_the_call_succeeds(github: FakeGitHub) -> None:
    port = _port(github)
    github.fail_server(times=2, status=502)
    assert port.get_pull(7).body == "hello"
    assert [r.status for r in github.requests] == [502, 502, 200]


def test_server_errors_that_outlast_the_retries_raise_an_api_error(github: FakeGitHub) -> None:
    port = _port(github, ApiSettings(retries=2, backoff=0.01, seconds_between_writes=0))
    github.fail_server(times=10, status=503)
    with pytest.raises(ApiError) as info:
        port.get_pull(7)
    assert "HTTP 503" in str(info.value)
    assert len(github.requests) == 3


def test_a_write_is_retried_after_a_server_error(github: FakeGitHub) -> None:
    port = _port(github)
    github.fail_server(times=1, status=500, method="POST")
    port.create_comment(7, "hello")
    assert len(github.comments_on(7)) == 1


def test_a_secondary_rate_limit_waits_retry_after_seconds(github: FakeGitHub) -> None:
    port = _port(github)
    github.secondary_rate_limit(retry_after=1, method="POST")
    port.create_comment(7, "hello")
    limited, retried = github.requests[-2:]
    assert (limited.status, retried.status) == (403, 201)
    assert retried.at - limited.at >= 0.95


def test_a_primary_rate_limit_waits_until_x_ratelimit_reset(github: FakeGitHub) -> None:
    port = _port(github)
    github.primary_rate_limit(reset_in=1, status=429)
    port.get_pull(7)
    limited, retried = github.requests[-2:]
    assert (limited.status, retried.status) == (429, 200)
    reset = int(limited.at) + 1
    assert retried.at >= reset - 0.01


def test_a_rate_limit_beyond_the_maximum_wait_fails_at_once(github: FakeGitHub) -> None:
    port = _port(github)
    github.primary_rate_limit(reset_in=3600, status=403)
    started = time.monotonic()
    with pytest.raises(RateLimited):
        port.get_pull(7)
    assert time.monotonic() - started < 1
    assert len(github.requests) == 1


def test_a_read_only_token_raises_permission_denied_on_writes(github: FakeGitHub) -> None:
    port = _port(github)
    github.read_only = True
    with pytest.raises(PermissionDenied):
        port.create_comment(7, "hello")
    assert github.comments_on(7) == []


def test_removing_a_label_that_is_gone_raises_not_found(github: FakeGitHub) -> None:
    port = _port(github)
    with pytest.raises(NotFound):
        port.remove_label(7, "sentinel-block")


def test_labels_are_added_in_the_documented_object_form(github: FakeGitHub) -> None:
    port = _port(github)
    port.add_labels(7, ["sentinel-block", "needs-tests"])
    assert github.labels_on(7) == ["sentinel-block", "needs-tests"]


def test_listing_comments_follows_pagination(github: FakeGitHub) -> None:
    port = _port(github)
    for index in range(130):
        github.comments[index + 1] = {
            "id": index + 1,
            "issue": 7,
            "body": f"comment {index}",
            "user": "someone",
            "created_at": "2024-05-01T10:00:00Z",
            "updated_at": "2024-05-01T10:00:00Z",
        }
    comments = port.list_comments(7)
    assert len(comments) == 130
    assert len(github.requests) == 2


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        (403, {"retry-after": "7"}, "secondary rate limit", 7.0),
        (429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1010"}, "", 10.0),
        (403, {}, "You have exceeded a secondary rate limit", 60.0),
        (403, {}, "Resource not accessible by integration", None),
        (500, {"retry-after": "1"}, "", None),
    ],
)
def test_rate_limit_wait_follows_githubs_documented_order(
    status: int, headers: dict[str, str], message: str, expected: float | None
) -> None:
    assert rate_limit_wait(status, headers, message, now=1000.0) == expected
