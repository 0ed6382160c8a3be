"""``sentinel policy diff`` (structural: formatting is no change) and ``sentinel policy hash`` (OPA's
bundle file hashes), run as a user runs them."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

CLI = 'import sys; from sentinel.cli import main; sys.argv[0] = "sentinel"; main()'

POLICY = """package team.authz

import rego.v1

# Admins may do anything.
default allow := false

allow if input.user.role == "admin"

deny contains msg if {
    input.action == "delete"
    msg := "no deletes"
}
"""
# The same rules: reordered, reformatted, comments changed.
POLICY_REFORMATTED = """package team.authz
import rego.v1
deny contains msg if { input.action == "delete"; msg := "no deletes" }
allow if {
  input.user.role == "admin"  # the only way in
}
default allow := false
"""
POLICY_CHANGED = """package team.authz

import rego.v1

default allow := false

allow if input.user.role == "owner"

warn contains "careful" if input.action == "update"
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "a.rego").write_text(POLICY)
    (tmp_path / "b.rego").write_text(POLICY_REFORMATTED)
    (tmp_path / "c.rego").write_text(POLICY_CHANGED)
    (tmp_path / "a.json").write_text('{"limits": {"max": 3, "min": 1}, "teams": ["x", "y"]}')
    (tmp_path / "b.yaml").write_text("teams: [x, y]\nlimits:\n  min: 1\n  max: 3\n")
    (tmp_path / "c.yaml").write_text("teams: [x, z]\nlimits:\n  min: 1\nowner: me\n")
    return tmp_path


def test_reformatted_rego_is_the_same_policy(files: Path) -> None:
    done = run("policy", "diff", "a.rego", "b.rego", cwd=files)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_changed_rules_are_listed_by_head_and_exit_1(files: Path) -> None:
    done = run("policy", "diff", "a.rego", "c.rego", cwd=files)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "~ allow: definition changed",
        "- deny contains msg",
        '+ warn contains "careful"',
    ]


def test_json_and_yaml_with_the_same_values_are_the_same_data(files: Path) -> None:
    done = run("policy", "diff", "a.json", "b.yaml", cwd=files)
    assert (done.returncode, done.stdout) == (0, "")


def test_data_differences_are_json_pointers(files: Path) -> None:
    done = run("policy", "diff", "a.json", "c.yaml", cwd=files)
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["- /limits/max: 3", "+ /owner: \"me\"", '~ /teams/1: "y" -> "z"']


def test_a_rego_file_against_a_data_file_is_a_usage_error(files: Path) -> None:
    done = run("policy", "diff", "a.rego", "a.json", cwd=files)
    assert done.returncode == 2
    assert "two Rego files or two data files" in done.stderr


def test_invalid_rego_is_an_error_naming_the_file(files: Path) -> None:
    (files / "bad.rego").write_text("package x\nallow if {\n")
    done = run("policy", "diff", "a.rego", "bad.rego", cwd=files)
    assert done.returncode == 2
    assert "bad.rego" in done.stderr and "Traceback" not in done.stderr


def test_a_missing_file_is_an_error(files: Path) -> None:
    done = run("policy", "diff", "a.json", "nope.json", cwd=files)
    assert done.returncode == 2


def test_hash_of_a_policy_is_the_sha256_of_its_bytes(files: Path) -> None:
    done = run("policy", "hash", "a.rego", cwd=files)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{hashlib.sha256(POLICY.encode()).hexdigest()}  a.rego\n"


def test_hash_of_data_is_taken_after_parsing_as_opa_does(files: Path) -> None:
    done = run("policy", "hash", "a.json", "b.yaml", cwd=files)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[0] == lines[1].split()[0]
    # OPA hashes the value written with sorted keys and no spaces (bundle/hash.go): computed here by hand.
    canonical = json.dumps({"limits": {"max": 3, "min": 1}, "teams": ["x", "y"]}, separators=(",", ":"),
                           sort_keys=True)
    assert lines[0].split()[0] == hashlib.sha256(canonical.encode()).hexdigest()


def test_hash_of_unparsable_data_is_an_error(files: Path) -> None:
    (files / "bad.json").write_text('{"a": ')
    done = run("policy", "hash", "bad.json", cwd=files)
    assert done.returncode == 2
    assert "bad.json" in done.stderr and "Traceback" not in done.stderr
