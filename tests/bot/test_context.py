"""Reading the GitHub Actions environment and event payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentinel.bot.context import from_env
from sentinel.errors import SentinelError


def _env(tmp_path: Path, name: str, payload: dict[str, Any]) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return {"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": str(path), "GITHUB_REPOSITORY": "octo/widgets"}


def _pull(head_repo: str) -> dict[str, Any]:
    return {
        "pull_request": {
            "number": 5,
            "body": "text",
            "head": {"sha": "a" * 40, "repo": {"full_name": head_repo}},
            "base": {"sha": "b" * 40, "repo": {"full_name": "octo/widgets"}},
        }
    }


def test_a_pull_request_event_names_the_pr_and_its_commits(tmp_path: Path) -> None:
    ctx = from_env(_env(tmp_path, "pull_request", _pull("octo/widgets")))
    assert (ctx.pr_number, ctx.head_sha, ctx.base_sha, ctx.is_fork) == (5, "a" * 40, "b" * 40, False)
    assert ctx.pr_body == "text"


def test_a_pull_request_from_a_fork_is_detected(tmp_path: Path) -> None:
    assert from_env(_env(tmp_path, "pull_request", _pull("someone/widgets"))).is_fork


def test_pull_request_target_is_not_treated_as_a_read_only_fork_run(tmp_path: Path) -> None:
    assert not from_env(_env(tmp_path, "pull_request_target", _pull("someone/widgets"))).is_fork


def test_a_recheck_comment_names_the_pull_request(tmp_path: Path) -> None:
    payload = {"issue": {"number": 9, "pull_request": {"url": "x"}}, "comment": {"body": "/sentinel recheck"}}
    ctx = from_env(_env(tmp_path, "issue_comment", payload))
    assert (ctx.pr_number, ctx.head_sha) == (9, None)


def test_a_comment_on_an_issue_names_no_pull_request(tmp_path: Path) -> None:
    assert from_env(_env(tmp_path, "issue_comment", {"issue": {"number": 9}})).pr_number is None


def test_a_workflow_run_event_names_its_pull_request_and_commit(tmp_path: Path) -> None:
    payload = {"workflow_run": {"head_sha": "d" * 40, "pull_requests": [{"number": 3}]}}
    ctx = from_env(_env(tmp_path, "workflow_run", payload))
    assert (ctx.pr_number, ctx.head_sha) == (3, "d" * 40)


def test_the_run_url_and_blob_links_use_the_server_url() -> None:
    ctx = from_env(
        {"GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "12", "GITHUB_SERVER_URL": "https://ghe.example"}
    )
    assert ctx.run_url == "https://ghe.example/o/r/actions/runs/12"
    assert (
        ctx.override(head_sha="abcdef1").blob_url("a b.py", 3)
        == "https://ghe.example/o/r/blob/abcdef1/a%20b.py#L3"
    )


def test_an_invalid_repo_override_is_an_error() -> None:
    with pytest.raises(SentinelError, match="--repo must be OWNER/NAME"):
        from_env({}).override(repository="not a repo")


def test_a_broken_event_payload_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("{\n nope")
    with pytest.raises(SentinelError, match=r"event\.json:2: event payload is not JSON"):
        from_env({"GITHUB_EVENT_PATH": str(path)})
