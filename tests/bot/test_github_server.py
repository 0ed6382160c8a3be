"""The local GitHub server itself: it rejects what GitHub's contract rejects, and says so."""

from __future__ import annotations

from typing import Any

import requests

from tests.bot.conftest import BASE, HEAD
from testsupport.github_server import Contract, FakeGitHub

AUTH = {"Authorization": "token ghs_test", "Accept": "application/vnd.github+json"}


def _post(github: FakeGitHub, path: str, body: Any) -> requests.Response:
    return requests.post(f"{github.url}/repos/{github.repository}{path}", json=body, headers=AUTH, timeout=5)


def test_a_request_body_outside_the_schema_is_rejected_and_recorded(github: FakeGitHub) -> None:
    github.add_pull(7, HEAD, BASE)
    annotation = {
        "path": "a.py",
        "start_line": 1,
        "end_line": 1,
        "annotation_level": "failure",
        "message": "m",
    }
    answer = _post(
        github,
        "/check-runs",
        {
            "name": "x",
            "head_sha": HEAD,
            "output": {"title": "t", "summary": "s", "annotations": [annotation] * 51},
        },
    )
    assert answer.status_code == 422
    (error,) = github.take_errors()
    assert "is too long" in error


def test_a_comment_without_a_body_is_rejected(github: FakeGitHub) -> None:
    github.add_pull(7, HEAD, BASE)
    assert _post(github, "/issues/7/comments", {"text": "hi"}).status_code == 422
    assert "'body' is a required property" in github.take_errors()[0]


def test_an_operation_github_does_not_have_is_recorded(github: FakeGitHub) -> None:
    answer = requests.get(f"{github.url}/repos/{github.repository}/sentinel", headers=AUTH, timeout=5)
    assert answer.status_code == 404
    assert "is not an operation of GitHub's API" in github.take_errors()[0]


def test_a_comment_over_65536_characters_is_rejected_like_github(github: FakeGitHub) -> None:
    github.add_pull(7, HEAD, BASE)
    answer = _post(github, "/issues/7/comments", {"body": "x" * 65_537})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["message"] == "body is too long (maximum is 65536 characters)"
    assert github.take_errors() == [
        "create comment: body is too long (maximum is 65536 characters) (got 65537)"
    ]


def test_a_comment_of_exactly_65536_characters_is_accepted(github: FakeGitHub) -> None:
    github.add_pull(7, HEAD, BASE)
    assert _post(github, "/issues/7/comments", {"body": "x" * 65_536}).status_code == 201


def test_a_response_that_breaks_the_schema_is_recorded(contract: Contract) -> None:
    class Broken(FakeGitHub):
        def _label(self, label: dict[str, Any]) -> dict[str, Any]:
            out = super()._label(label)
            del out["color"]
            return out

    server = Broken(contract).start()
    try:
        server.create_label_state("bug", "ff0000", "")
        requests.get(f"{server.url}/repos/{server.repository}/labels", headers=AUTH, timeout=5)
        (error,) = server.take_errors()
        assert "'color' is a required property" in error
    finally:
        server.stop()


def test_lists_are_paginated_with_link_headers(github: FakeGitHub) -> None:
    for index in range(5):
        github.create_label_state(f"l{index}", "ededed", "")
    answer = requests.get(
        f"{github.url}/repos/{github.repository}/labels?per_page=2", headers=AUTH, timeout=5
    )
    assert [label["name"] for label in answer.json()] == ["l0", "l1"]
    assert answer.links["next"]["url"].endswith("per_page=2&page=2")
    assert answer.links["last"]["url"].endswith("page=3")


def test_a_secondary_rate_limit_answers_403_with_retry_after(github: FakeGitHub) -> None:
    github.secondary_rate_limit(retry_after=30)
    answer = requests.get(f"{github.url}/repos/{github.repository}", headers=AUTH, timeout=5)
    assert (answer.status_code, answer.headers["retry-after"]) == (403, "30")
    assert "secondary rate limit" in answer.json()["message"]
