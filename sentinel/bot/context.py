"""Where the bot runs: repository, pull request, commit and token, read from the GitHub Actions environment.

The event payload ($GITHUB_EVENT_PATH) names the pull request for ``pull_request``,
``pull_request_target``, ``issue_comment`` (the ``/sentinel recheck`` command) and
``workflow_run`` events; command-line flags override it (the ``workflow_run`` pattern passes
the pull request number and head commit from an artifact).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sentinel.errors import SentinelError

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")


@dataclass(frozen=True)
class GitHubContext:
    repository: str | None = None
    pr_number: int | None = None
    head_sha: str | None = None
    base_sha: str | None = None
    head_repository: str | None = None
    event_name: str = ""
    event: dict[str, Any] = field(default_factory=dict)
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    server_url: str = DEFAULT_SERVER_URL
    run_id: str | None = None
    step_summary: Path | None = None
    in_actions: bool = False

    @property
    def run_url(self) -> str | None:
        if self.repository and self.run_id:
            return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"
        return None

    @property
    def pr_url(self) -> str | None:
        if self.repository and self.pr_number:
            return f"{self.server_url}/{self.repository}/pull/{self.pr_number}"
        return None

    @property
    def is_fork(self) -> bool:
        """A ``pull_request`` from a fork runs with a read-only token and no secrets."""
        if self.event_name != "pull_request" or not self.repository:
            return False
        return self.head_repository != self.repository

    @property
    def pr_body(self) -> str | None:
        pull = self.event.get("pull_request")
        if isinstance(pull, dict) and pull.get("number") == self.pr_number:
            body = pull.get("body")
            return body if isinstance(body, str) else ""
        return None

    def blob_url(self, path: str, line: int | None) -> str | None:
        if not (self.repository and self.head_sha and path):
            return None
        anchor = f"#L{line}" if line else ""
        return f"{self.server_url}/{self.repository}/blob/{self.head_sha}/{quote(path, safe='/')}{anchor}"

    def override(
        self,
        repository: str | None = None,
        pr_number: int | None = None,
        head_sha: str | None = None,
        base_sha: str | None = None,
        api_url: str | None = None,
    ) -> GitHubContext:
        if repository is not None and not _REPO.fullmatch(repository):
            raise SentinelError(f"--repo must be OWNER/NAME, got {repository!r}")
        if head_sha is not None and not _SHA.fullmatch(head_sha):
            raise SentinelError(f"--sha must be a commit sha, got {head_sha!r}")
        if pr_number is not None and pr_number <= 0:
            raise SentinelError(f"--pr must be a positive number, got {pr_number}")
        return replace(
            self,
            repository=repository or self.repository,
            pr_number=pr_number or self.pr_number,
            head_sha=head_sha or self.head_sha,
            base_sha=base_sha or self.base_sha,
            api_url=(api_url or self.api_url).rstrip("/"),
        )


def _read_event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise SentinelError(f"cannot read the event payload: {exc}", file=path) from exc
    except json.JSONDecodeError as exc:
        raise SentinelError(f"event payload is not JSON: {exc.msg}", file=path, line=exc.lineno) from exc
    return raw if isinstance(raw, dict) else {}


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _pull_facts(event_name: str, event: dict[str, Any]) -> dict[str, Any]:
    pull = event.get("pull_request")
    if isinstance(pull, dict):
        return {
            "pr_number": pull.get("number"),
            "head_sha": _get(pull, "head", "sha"),
            "base_sha": _get(pull, "base", "sha"),
            "head_repository": _get(pull, "head", "repo", "full_name"),
        }
    issue = event.get("issue")
    if event_name == "issue_comment" and isinstance(issue, dict) and issue.get("pull_request"):
        return {"pr_number": issue.get("number")}
    run = event.get("workflow_run")
    if isinstance(run, dict):
        pulls = run.get("pull_requests") or []
        number = pulls[0].get("number") if pulls and isinstance(pulls[0], dict) else None
        return {
            "pr_number": number,
            "head_sha": run.get("head_sha"),
            "head_repository": _get(run, "head_repository", "full_name"),
        }
    return {}


def from_env(env: Mapping[str, str]) -> GitHubContext:
    event_name = env.get("GITHUB_EVENT_NAME", "")
    event = _read_event(env.get("GITHUB_EVENT_PATH"))
    facts = _pull_facts(event_name, event)
    number = facts.get("pr_number")
    summary = env.get("GITHUB_STEP_SUMMARY")
    return GitHubContext(
        repository=env.get("GITHUB_REPOSITORY") or None,
        pr_number=number if isinstance(number, int) and not isinstance(number, bool) else None,
        head_sha=facts.get("head_sha") or None,
        base_sha=facts.get("base_sha") or None,
        head_repository=facts.get("head_repository"),
        event_name=event_name,
        event=event,
        token=env.get("SENTINEL_GITHUB_TOKEN") or env.get("GITHUB_TOKEN") or None,
        api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        server_url=(env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
        run_id=env.get("GITHUB_RUN_ID") or None,
        step_summary=Path(summary) if summary else None,
        in_actions=env.get("GITHUB_ACTIONS") == "true",
    )
