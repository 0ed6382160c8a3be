"""Fixtures shared across the test tree: real git repositories and schema validation.

Also the hypothesis profiles of every property test: ``ci`` (the default, what ``make test``
runs), a fixed, derandomized budget so every run tries the same examples; ``fuzz``
(``HYPOTHESIS_PROFILE=fuzz``, what ``make fuzz`` runs), many more random examples. In both, a
failing example fails the test; nothing is skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import jsonschema
import pytest
from hypothesis import HealthCheck, settings

from testsupport.files import write

_NOT_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci", max_examples=30, derandomize=True, deadline=None, database=None,
    suppress_health_check=_NOT_SLOW, print_blob=True,
)
settings.register_profile(
    "fuzz", max_examples=2000, derandomize=False, deadline=None, database=None,
    suppress_health_check=_NOT_SLOW, print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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
