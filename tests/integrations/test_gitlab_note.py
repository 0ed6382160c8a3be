"""The sticky merge-request note on GitLab: python-gitlab against a local Notes API stand-in.

The stand-in (testsupport/gitlab_server.py) takes its routes and shapes from python-gitlab's
own fixtures, ``tests/unit/objects/test_draft_notes.py`` and ``tests/unit/conftest.py``
(python-gitlab/python-gitlab), and from GitLab's Notes API reference: GitLab publishes no
OpenAPI description of these endpoints in a package registry.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.bot.comment import upsert_comment
from sentinel.bot.context import GitHubContext
from sentinel.bot.findings import collect
from sentinel.bot.github_port import ApiError, PermissionDenied
from sentinel.bot.gitlab_port import GitLabNotesPort
from sentinel.bot.render import Renderer
from sentinel.bot.settings import BotSettings
from sentinel.runner.results import CheckResult, Location, Result
from tests.conftest import GitRepo
from testsupport.gitlab_server import FakeGitLab

TOKEN = "glpat-test-token-0123456789"
MR = 7
MARKER = BotSettings().marker
SENTINEL = str(Path(sys.executable).with_name("sentinel"))


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    server = FakeGitLab(TOKEN, read_only_tokens=("glpat-read-only",)).start()
    try:
        yield server
    finally:
        assert server.errors == []
        server.stop()


def port(server: FakeGitLab, token: str = TOKEN, project: str = "1") -> GitLabNotesPort:
    return GitLabNotesPort(server.url, token, project, MR, timeout=10)


def results(*messages: str) -> list[CheckResult]:
    failures = [Result(m, Location("src/app.py", n + 1), {"rule": "arch.forbidden"})
                for n, m in enumerate(messages)]
    return [CheckResult("imports.json", "main", successes=1, failures=failures)]


def post(server: FakeGitLab, *messages: str, token: str = TOKEN) -> str:
    findings = collect(results(*messages))
    renderer = Renderer(BotSettings(), GitHubContext(head_sha="a" * 40))
    outcome = upsert_comment(port(server, token).as_comment_port(), MR, renderer.comment(findings),
                             not findings, BotSettings(),
                             lambda previous: renderer.comment(findings, previous))
    return outcome.action


def test_the_first_run_with_findings_creates_one_note_with_the_marker(gitlab: FakeGitLab) -> None:
    assert post(gitlab, "app imports requests") == "comment created"
    (note,) = gitlab.user_notes(MR)
    assert note.body.startswith(MARKER)
    assert "app imports requests" in note.body


def test_an_unchanged_rerun_writes_nothing(gitlab: FakeGitLab) -> None:
    post(gitlab, "app imports requests")
    writes = gitlab.writes()
    assert post(gitlab, "app imports requests") == "comment unchanged"
    assert gitlab.writes() == writes


def test_new_findings_edit_the_same_note(gitlab: FakeGitLab) -> None:
    post(gitlab, "app imports requests")
    (before,) = gitlab.user_notes(MR)
    assert post(gitlab, "app imports requests", "app imports boto3") == "comment updated"
    (after,) = gitlab.user_notes(MR)
    assert after.id == before.id and "boto3" in after.body


def test_a_clean_run_turns_the_note_into_an_all_clear(gitlab: FakeGitLab) -> None:
    post(gitlab, "app imports requests")
    assert post(gitlab) == "comment updated"
    (note,) = gitlab.user_notes(MR)
    assert "app imports requests" not in note.body


def test_a_merge_request_that_never_had_findings_gets_no_note(gitlab: FakeGitLab) -> None:
    assert post(gitlab) == "no comment (no findings)"
    assert gitlab.user_notes(MR) == []


def test_system_notes_and_other_peoples_notes_are_left_alone(gitlab: FakeGitLab) -> None:
    gitlab.add_note(MR, "added 1 commit", author="someone", system=True)
    gitlab.add_note(MR, "LGTM", author="reviewer")
    post(gitlab, "app imports requests")
    assert [n.body for n in gitlab.notes[MR][:2]] == ["added 1 commit", "LGTM"]
    assert len(gitlab.user_notes(MR)) == 2


def test_extra_marker_notes_left_by_an_interrupted_run_are_deleted(gitlab: FakeGitLab) -> None:
    post(gitlab, "app imports requests")
    gitlab.add_note(MR, f"{MARKER}\nstale copy", author=gitlab.bot_user)
    post(gitlab, "app imports requests", "app imports boto3")
    assert len([n for n in gitlab.user_notes(MR) if n.body.startswith(MARKER)]) == 1


def test_our_note_is_found_past_the_first_page(gitlab: FakeGitLab) -> None:
    post(gitlab, "app imports requests")
    for n in range(130):
        gitlab.add_note(MR, f"comment {n}", author="reviewer")
    assert post(gitlab, "app imports requests", "app imports boto3") == "comment updated"
    assert len([n for n in gitlab.user_notes(MR) if n.body.startswith(MARKER)]) == 1


def test_a_project_path_is_sent_url_encoded() -> None:
    server = FakeGitLab(TOKEN, project="platform/widgets").start()
    try:
        port(server, project="platform/widgets").create_comment(MR, f"{MARKER}\nhello")
        assert ("POST", f"/api/v4/projects/platform%2Fwidgets/merge_requests/{MR}/notes") in server.requests
    finally:
        server.stop()


def test_a_refused_token_is_permission_denied_without_the_token_in_the_message(gitlab: FakeGitLab) -> None:
    with pytest.raises(PermissionDenied) as excinfo:
        port(gitlab, token="glpat-wrong").list_comments(MR)
    assert excinfo.value.status == 401
    assert "glpat" not in str(excinfo.value)


def test_a_read_only_token_may_read_but_not_write(gitlab: FakeGitLab) -> None:
    reader = port(gitlab, token="glpat-read-only")
    assert reader.list_comments(MR) == []
    with pytest.raises(PermissionDenied):
        reader.create_comment(MR, f"{MARKER}\nhello")


def test_a_transient_server_error_is_retried(gitlab: FakeGitLab) -> None:
    gitlab.fail_server(times=1, status=502)
    assert post(gitlab, "app imports requests") == "comment created"


def test_a_server_that_keeps_failing_is_an_api_error(gitlab: FakeGitLab) -> None:
    gitlab.fail_server(times=10, status=500)
    with pytest.raises(ApiError) as excinfo:
        GitLabNotesPort(gitlab.url, TOKEN, "1", MR, timeout=10, retries=1).list_comments(MR)
    assert excinfo.value.status == 500


def test_an_unreachable_server_is_an_api_error() -> None:
    server = FakeGitLab(TOKEN).start()
    url = server.url
    server.stop()
    with pytest.raises(ApiError):
        GitLabNotesPort(url, TOKEN, "1", MR, timeout=2, retries=0).list_comments(MR)


@pytest.fixture
def checked(git_repo: GitRepo) -> GitRepo:
    git_repo.write("app/api.py", "import requests\n")
    git_repo.write("policy/p.rego",
                   'package main\n\ndeny contains "app imports requests" if { input.kind == "imports" }\n')
    git_repo.commit()
    proc = subprocess.run([SENTINEL, "check", "-k", "imports", "-p", "policy", "--no-library",
                           "--results-file", "results.json", "-o", "json"],
                          cwd=git_repo.root, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 1, proc.stderr
    return git_repo


def gitlab_note(repo: GitRepo, server: FakeGitLab, token: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI_SERVER_URL": server.url, "CI_PROJECT_ID": "1", "CI_MERGE_REQUEST_IID": str(MR),
           "CI_COMMIT_SHA": "b" * 40, "SENTINEL_GITLAB_TOKEN": token}
    return subprocess.run([SENTINEL, "gitlab-note", "--results", "results.json"], cwd=repo.root, env=env,
                          capture_output=True, text=True, check=False, timeout=120)


def test_the_command_posts_the_note_from_a_results_file(checked: GitRepo, gitlab: FakeGitLab) -> None:
    proc = gitlab_note(checked, gitlab, TOKEN)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "sentinel: comment created"
    (note,) = gitlab.user_notes(MR)
    assert "app imports requests" in note.body


def test_the_command_exits_2_with_one_line_when_the_token_is_refused(checked: GitRepo,
                                                                     gitlab: FakeGitLab) -> None:
    proc = gitlab_note(checked, gitlab, "glpat-wrong-secret")
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("sentinel: the note could not be posted: could not list the notes of "
                                   f"merge request !{MR}: the token was refused (401)")


def test_the_note_names_no_github_recheck_command_or_check_run(checked: GitRepo, gitlab: FakeGitLab) -> None:
    gitlab_note(checked, gitlab, TOKEN)
    (note,) = gitlab.user_notes(MR)
    assert "/sentinel recheck" not in note.body and "Check run" not in note.body
    assert "Re-run the pipeline to run Sentinel again" in note.body
