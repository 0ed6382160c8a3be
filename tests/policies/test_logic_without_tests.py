"""testing.logic_without_tests over real git repositories: each changed module needs its own test.

`sentinel check --base` runs the real changes extractor and the real rule, so these tests hold the
extractor's ``tested_by`` facts and the Rego that reads them to one verdict.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sentinel.cli import main

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policy-as-code" / "policies"
RULE = "testing.logic_without_tests"
Flagged = Callable[[Any, str], set[str]]
PARAMS = {"sentinel": {"params": {"core": {"paths": ["app/**", "src/**", "svc/**"], "layers": {}}}}}


@pytest.fixture
def flagged(monkeypatch: pytest.MonkeyPatch) -> Flagged:
    """The files the rule flags in a repository's change from ``base`` to its working tree."""

    def run(repo: Any, base: str) -> set[str]:
        params = repo.root.parent / "params.json"
        params.write_text(json.dumps(PARAMS), encoding="utf-8")
        monkeypatch.chdir(repo.root)
        result = CliRunner().invoke(main, ["check", "--base", base, "-p", str(POLICIES), "-d", str(params),
                                           "-o", "json", "--no-color", "--kinds", "changes"],
                                    catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output
        return {item["loc"]["file"] for entry in json.loads(result.output)
                for item in entry.get("failures", []) if item["metadata"]["rule"] == RULE}

    return run


def test_an_unrelated_test_in_the_change_does_not_cover_a_module(git_repo: Any, flagged: Flagged) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/a.py", "def a():\n    return 1\n")
    git_repo.write("app/b.py", "def b():\n    return 2\n")
    git_repo.write("tests/test_b.py", "from app.b import b\n\n\ndef test_b():\n    assert b() == 2\n")
    base = git_repo.commit("base")
    git_repo.write("app/a.py", "def a():\n    return 1\n\n\ndef a2():\n    return 3\n")
    git_repo.write("tests/test_b.py", "from app.b import b\n\n\ndef test_b():\n    assert b() == 2 + 0\n")
    git_repo.commit("change a with an unrelated test change")
    assert flagged(git_repo, base) == {"app/a.py"}


def test_an_existing_test_that_imports_the_module_covers_it(git_repo: Any, flagged: Flagged) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/a.py", "def a():\n    return 1\n")
    git_repo.write("tests/test_behaviour.py", "from app import a\n\n\ndef test_a():\n    assert a.a() == 1\n")
    base = git_repo.commit("base")
    git_repo.write("app/a.py", "def a():\n    return 1\n\n\ndef a2():\n    return 3\n")
    git_repo.commit("change a")
    assert flagged(git_repo, base) == set()


def test_a_test_at_the_mirrored_path_covers_the_module(git_repo: Any, flagged: Flagged) -> None:
    git_repo.write("src/shop/pricing.py", "RATE = 1\n")
    git_repo.write("tests/shop/test_pricing.py", "def test_rate():\n    assert True\n")
    base = git_repo.commit("base")
    git_repo.write("src/shop/pricing.py", "RATE = 2\n")
    git_repo.commit("change pricing")
    assert flagged(git_repo, base) == set()


def test_each_changed_module_is_judged_on_its_own(git_repo: Any, flagged: Flagged) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/a.py", "A = 1\n")
    git_repo.write("app/b.py", "B = 1\n")
    base = git_repo.commit("base")
    git_repo.write("app/a.py", "A = 2\n")
    git_repo.write("app/b.py", "B = 2\n")
    git_repo.write("tests/test_a.py", "from app.a import A\n\n\ndef test_a():\n    assert A == 2\n")
    git_repo.commit("change a and b, test only a")
    assert flagged(git_repo, base) == {"app/b.py"}


def test_go_test_beside_the_file_covers_it(git_repo: Any, flagged: Flagged) -> None:
    git_repo.write("go.mod", "module example.com/svc\n\ngo 1.22\n")
    git_repo.write("svc/price.go", "package svc\n\nfunc Price() int { return 1 }\n")
    git_repo.write("svc/tax.go", "package svc\n\nfunc Tax() int { return 1 }\n")
    git_repo.write("svc/price_test.go",
                   'package svc\n\nimport "testing"\n\nfunc TestPrice(t *testing.T) {}\n')
    base = git_repo.commit("base")
    git_repo.write("svc/price.go", "package svc\n\nfunc Price() int { return 2 }\n")
    git_repo.write("svc/tax.go", "package svc\n\nfunc Tax() int { return 2 }\n")
    git_repo.commit("change price and tax")
    assert flagged(git_repo, base) == {"svc/tax.go"}


def test_rust_file_with_its_own_unit_tests_is_covered(git_repo: Any, flagged: Flagged) -> None:
    git_repo.write("Cargo.toml", '[package]\nname = "demo"\nversion = "0.1.0"\n')
    git_repo.write("src/lib.rs", "pub fn one() -> u8 { 1 }\n\n#[cfg(test)]\nmod tests {\n"
                   "    #[test]\n    fn one_is_one() { assert_eq!(super::one(), 1); }\n}\n")
    git_repo.write("src/two.rs", "pub fn two() -> u8 { 2 }\n")
    base = git_repo.commit("base")
    git_repo.write("src/lib.rs", "pub fn one() -> u8 { 1 + 0 }\n\n#[cfg(test)]\nmod tests {\n"
                   "    #[test]\n    fn one_is_one() { assert_eq!(super::one(), 1); }\n}\n")
    git_repo.write("src/two.rs", "pub fn two() -> u8 { 1 + 1 }\n")
    git_repo.commit("change both")
    assert flagged(git_repo, base) == {"src/two.rs"}
