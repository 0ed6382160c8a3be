"""Vendored code (``**/vendor/**``, ``**/node_modules/**``, ``*.min.js``) is left out by default."""

from __future__ import annotations

from typing import Any

import pytest

from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.run import run_extractors

AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"
TREE = {
    "app/main.py": "import os\n",
    "app/vendor/six.py": "import sys\n",
    "web/node_modules/left-pad/index.js": "module.exports = 1;\n",
    "web/static/jquery.min.js": f'var k="{AWS_KEY}";\n',
    "web/static/site.js": "console.log(1);\n",
}


def _files(git_repo: Any, **settings: Any) -> list[str]:
    for rel, text in TREE.items():
        git_repo.write(rel, text)
    git_repo.commit()
    return [f["path"] for f in run_extractors(git_repo.root, ["files"], settings=settings)["files"]["files"]]


def test_vendored_files_are_not_extracted_by_default(git_repo: Any) -> None:
    assert _files(git_repo) == ["app/main.py", "web/static/site.js"]


def test_vendored_secret_is_not_a_finding_by_default(git_repo: Any) -> None:
    for rel, text in TREE.items():
        git_repo.write(rel, text)
    git_repo.commit()
    doc = run_extractors(git_repo.root, ["secrets"])["secrets"]
    assert doc["findings"] == []


def test_exclude_vendored_false_extracts_vendored_files(git_repo: Any) -> None:
    assert _files(git_repo, exclude_vendored=False) == sorted(TREE)


def test_exclude_vendored_must_be_a_boolean(git_repo: Any) -> None:
    with pytest.raises(ExtractorUsageError, match="exclude_vendored"):
        _files(git_repo, exclude_vendored="no")
