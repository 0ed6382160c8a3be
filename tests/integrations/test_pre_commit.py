"""The pre-commit hooks, run by the real ``pre-commit try-repo`` on temp repositories.

``try-repo`` clones the hook repository and installs it (``language: python``: ``pip install .``
into a fresh virtualenv). The test runs offline, so the hook repository is this working tree
(tracked and untracked files, as a temp git repository: try-repo's own shadow copy leaves
untracked files out) and pip installs Sentinel itself from it with ``PIP_NO_INDEX`` and without
build isolation; the dependencies and setuptools are found already installed through
``PYTHONPATH`` (this test run's site-packages).
What is not tested here: pip downloading the dependencies from PyPI, as a user's first run does.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GitRepo

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
TODO_POLICY = """package main

deny contains msg if {
	input.kind == "todos"
	some t in input.todos
	t.ticket == null
	msg := sprintf("TODO without a ticket id in %s", [t.file])
}
"""
POLICY_TEST = """package main

test_always if {
	%s
}
"""


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree as a git repository with one commit."""
    if not PRE_COMMIT.is_file():
        pytest.fail("pre-commit is not installed in this environment (pip install pre-commit)")
    target = tmp_path_factory.mktemp("hooks")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    repo = GitRepo(target)
    repo.commit("hooks")
    return target


@pytest.fixture
def project(git_repo: GitRepo) -> GitRepo:
    git_repo.write("conftest.yml", "policy:\n  - policy\nlibrary: false\nextract:\n  kinds: [todos]\n")
    git_repo.write(".gitignore", ".sentinel/\n")
    git_repo.write("policy/todos.rego", TODO_POLICY)
    git_repo.write("app/old.py", "x = 1  # TODO old\n")
    git_repo.commit("an old finding")
    return git_repo


def try_repo(repo: GitRepo, hook_repo: Path) -> subprocess.CompletedProcess[str]:
    """Every hook of the repository, on all files (try-repo installs the hooks each time: its
    store is a temp dir, about 20 s here)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "SENTINEL_", "PRE_COMMIT"))},
        "PYTHONPATH": os.pathsep.join(site.getsitepackages()),
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        # pip reads this one inverted: "0" turns build isolation off, so building Sentinel uses the
        # setuptools found through PYTHONPATH instead of downloading one.
        "PIP_NO_BUILD_ISOLATION": "0",
    }
    return subprocess.run([str(PRE_COMMIT), "try-repo", str(hook_repo), "--all-files"], cwd=repo.root,
                          env=env, capture_output=True, text=True, check=False, timeout=300)


def hook_results(output: str) -> dict[str, str]:
    """``sentinel check.....Failed`` lines: hook name -> Passed, Failed or Skipped."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        for outcome in ("Passed", "Failed", "Skipped"):
            if line.endswith(outcome) and "..." in line:
                found[line.split("...")[0].rstrip(".")] = outcome
    return found


def test_a_failing_then_a_passing_commit(project: GitRepo, hook_repo: Path) -> None:
    project.write("app/new.py", "y = 2  # TODO new\n")
    project.write("policy/todos_test.rego", POLICY_TEST % "1 == 2")
    project.repo.git.add("-A")
    failing = try_repo(project, hook_repo)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert hook_results(failing.stdout) == {
        "sentinel check": "Failed",
        "sentinel check (new findings only)": "Failed",
        "sentinel verify": "Failed",
    }
    sections = failing.stdout.split("- hook id: ")
    check = next(s for s in sections if s.startswith("sentinel-check\n"))
    new_only = next(s for s in sections if s.startswith("sentinel-check-new\n"))
    assert "TODO without a ticket id in app/old.py" in check and "app/new.py" in check
    # HEAD already had app/old.py's finding: the new-only hook blocks on app/new.py alone.
    finding = "FAIL - .sentinel/inputs/todos.json - main - TODO without a ticket id in "
    assert finding + "app/new.py" in new_only and finding + "app/old.py" not in new_only

    project.write("app/new.py", "y = 2\n")
    project.write("app/old.py", "x = 1\n")
    project.write("policy/todos_test.rego", POLICY_TEST % "1 == 1")
    project.commit("the fixes")
    passing = try_repo(project, hook_repo)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert set(hook_results(passing.stdout).values()) == {"Passed"}

