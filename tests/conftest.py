"""Fixtures shared across the test tree: real git repositories and schema validation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import jsonschema
import pytest

from testsupport.files import write

SCHEMAS = Path(__file__).resolve().parent.parent / "extractors" / "schemas"


class GitRepo:
    """A real git repository in a temp dir, written file by file and committed by the test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = git.Repo.init(root, initial_branch="main")
        with self.repo.config_writer() as cw:
            cw.set_value("user", "name", "Sentinel Test")
            cw.set_value("user", "email", "test@example.invalid")
            cw.set_value("commit", "gpgsign", "false")

    def write(self, rel: str, content: str | bytes) -> Path:
        write(self.root, rel, content)
        return self.root / rel

    def remove(self, rel: str) -> None:
        self.repo.index.remove([rel], working_tree=True)

    def commit(self, message: str = "commit") -> str:
        self.repo.git.add("-A")
        self.repo.index.commit(message)
        return self.repo.head.commit.hexsha


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    root = tmp_path / "repo"
    root.mkdir()
    return GitRepo(root)


@pytest.fixture
def validate_document() -> Callable[[dict[str, Any]], None]:
    """Validate an extractor document against extractors/schemas/<kind>.json."""

    def check(doc: dict[str, Any]) -> None:
        schema = json.loads((SCHEMAS / f"{doc['kind']}.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator(schema).validate(doc)

    return check
