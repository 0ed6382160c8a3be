"""`sentinel check`'s evaluation cache: a cached verdict is the fresh one, and any change misses."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.errors import PolicyError
from sentinel.extractors.cache import FileCache
from sentinel.runner import eval_cache
from sentinel.runner.eval_cache import run_cached
from sentinel.runner.evaluate import Input, run_tests
from sentinel.runner.evaluate import TestOptions as Options
from tests.conftest import GitRepo

POLICY = """package main
import rego.v1

deny contains {"msg": sprintf("%s is too big", [f.path]), "_loc": {"file": f.path, "line": 1},
    "size": f.size} if {
    some f in input.files
    f.size > data.limits.size
}

warn contains sprintf("%d files", [count(input.files)])

exception contains ["nothing"] if input.none
"""
FORGED = "forged: read from the cache"


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Options, FileCache, Path]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "main.rego").write_text(POLICY)
    (tmp_path / "data.json").write_text('{"limits": {"size": 10}}')
    options = Options(policy=("policy",), data=("data.json",), all_namespaces=True)
    return options, FileCache(tmp_path / "cache"), tmp_path


def documents(size: int = 20) -> list[Input]:
    return [
        Input("files.json", {"files": [{"path": "a.py", "size": size}, {"path": "é.py", "size": 1}]}),
        Input("other.json", {"files": []}),
    ]


def pack(cache: FileCache) -> tuple[Path, dict[str, Any]]:
    [path] = (cache.directory / "v1").glob("*.json")
    return path, json.loads(path.read_bytes())


def forge(cache: FileCache) -> None:
    """Rewrite every cached failure message: a later run that shows it read the cache."""
    path, body = pack(cache)
    for key, value in body["entries"].items():
        if key != "inspection":
            for result in value:
                for item in result["r"][0]:
                    item[0] = FORGED
    path.write_text(json.dumps(body))


def messages(results: list[Any]) -> list[str]:
    return [f.msg for r in results for f in r.failures]


def test_a_cached_verdict_equals_a_fresh_one(setup: tuple[Options, FileCache, Path]) -> None:
    options, cache, _ = setup
    fresh = run_tests([], options, documents=documents())
    assert messages(fresh) == ["a.py is too big"]
    assert run_cached(options, documents(), cache) == fresh
    assert run_cached(options, documents(), cache) == fresh  # from the pack this time
    forge(cache)
    assert messages(run_cached(options, documents(), cache)) == [FORGED]  # the entry is what is read


@pytest.mark.parametrize("change", ["policy", "data", "document", "name", "engine", "namespace"])
def test_changing_any_part_of_the_key_misses(
    setup: tuple[Options, FileCache, Path], change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    options, cache, root = setup
    run_cached(options, documents(), cache)
    forge(cache)
    docs = documents()
    if change == "policy":  # one byte: a space in a comment-free spot
        (root / "policy" / "main.rego").write_text(POLICY.replace("import rego.v1", "import rego.v1 "))
    elif change == "data":
        (root / "data.json").write_text('{"limits": {"size": 11}}')
    elif change == "document":
        docs = documents(size=21)
    elif change == "name":
        docs[0].name = "renamed.json"
    elif change == "engine":
        real = metadata.version

        def version(name: str) -> str:
            return "0.0.0" if name == "gordon-to-regorus" else real(name)

        monkeypatch.setattr(eval_cache.metadata, "version", version)
    elif change == "namespace":
        options = Options(policy=("policy",), data=("data.json",), namespace=("main",))
    results = run_cached(options, docs, cache)
    assert FORGED not in messages(results)
    assert results == run_tests([], options, documents=docs)


def test_a_nondeterministic_policy_is_never_cached(setup: tuple[Options, FileCache, Path]) -> None:
    options, cache, root = setup
    (root / "policy" / "clock.rego").write_text(
        "package clock\nimport rego.v1\ndeny contains \"late\" if time.now_ns() < 0\n"
    )
    run_cached(options, documents(), cache)
    _, body = pack(cache)
    assert set(body["entries"]) == {"inspection"}  # the inspection, no results


def test_a_failed_evaluation_stores_nothing(setup: tuple[Options, FileCache, Path]) -> None:
    options, cache, root = setup
    (root / "policy" / "bad.rego").write_text("package bad\nimport rego.v1\ndeny := 7 if input.files\n")
    with pytest.raises(PolicyError):
        run_cached(options, documents(), cache)
    assert not (cache.directory / "v1").exists()


@pytest.mark.parametrize(
    "garbage",
    ["[]", '{"x": 1}', '[{"f": "files.json", "n": "main", "s": "1", "r": [], "p": []}]', '[{"f": 1}]'],
)
def test_a_corrupt_entry_is_a_miss(setup: tuple[Options, FileCache, Path], garbage: str) -> None:
    options, cache, _ = setup
    fresh = run_cached(options, documents(), cache)
    path, body = pack(cache)
    for key in body["entries"]:
        body["entries"][key] = json.loads(garbage)
    path.write_text(json.dumps(body))
    assert run_cached(options, documents(), cache) == fresh


def test_the_probe_is_skipped_for_policies_inspected_before(setup: tuple[Options, FileCache, Path]) -> None:
    """The kept inspection stands in for the guarded probe: a forged one (a rule removed) shows
    it is used; the results of a document not cached then follow it."""
    options, cache, _ = setup
    run_cached(options, documents(), cache)
    path, body = pack(cache)
    body["entries"] = {"inspection": body["entries"]["inspection"]}
    body["entries"]["inspection"]["rules"]["main"].pop("deny")
    path.write_text(json.dumps(body))
    assert messages(run_cached(options, documents(), cache)) == []


def test_check_uses_the_cache_folder_and_no_cache_turns_it_off(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = 'package repo\nimport rego.v1\ndeny contains "no" if input.files\n'
    git_repo.write("policies/layout.rego", policy)
    git_repo.write("a.sh", "echo\n")
    monkeypatch.chdir(git_repo.root)
    args = ["check", "-p", "policies", "-k", "files", "-o", "json", "--no-library"]
    first = CliRunner().invoke(main, [*args, "--no-cache"], catch_exceptions=False)
    assert not (git_repo.root / ".sentinel" / "cache").exists()
    second = CliRunner().invoke(main, args, catch_exceptions=False)
    third = CliRunner().invoke(main, args, catch_exceptions=False)
    assert first.exit_code == second.exit_code == third.exit_code == 1
    assert first.output == second.output == third.output
    folder = git_repo.root / ".sentinel" / "cache" / "v1"
    packs = [json.loads(p.read_bytes()) for p in folder.glob("*.json")]
    assert any("inspection" in p["entries"] and len(p["entries"]) == 2 for p in packs)


CLOCKED = """package clock
import rego.v1

# time.now_ns() in a comment stays
note := "time.now_ns() in a string stays"

deny contains "expired" if {
    input.expires
    time.now_ns() > input.expires
}
"""


def test_a_document_whose_evaluation_read_the_clock_is_not_kept(
    setup: tuple[Options, FileCache, Path],
) -> None:
    options, cache, root = setup
    (root / "policy" / "clock.rego").write_text(CLOCKED)
    docs = [Input("timeless.json", {"files": []}), Input("dated.json", {"files": [], "expires": 1})]
    fresh = run_tests([], options, documents=docs)
    assert [f.msg for r in fresh for f in r.failures] == ["expired"]
    assert run_cached(options, docs, cache) == fresh
    _, body = pack(cache)
    kept = set(body["entries"]) - {"inspection"}
    assert kept == {eval_cache.document_key(docs[0])}
    assert run_cached(options, docs, cache) == fresh


def test_the_clock_rewrite_leaves_strings_comments_and_columns_alone() -> None:
    rewritten = eval_cache.rewrite_clock(CLOCKED)
    assert rewritten is not None
    assert rewritten == CLOCKED.replace("    time.now_ns() >", "    _sntl_clock() >")
    assert len(rewritten) == len(CLOCKED)


@pytest.mark.parametrize(
    "text",
    [
        'package a\ndeny contains "x" if { r with time.now_ns as 5 }\n',  # a mock in a checked rule
        'package a\nx := "unterminated time.now_ns()\n',
        "package a\nx := _sntl_clock()\n",
    ],
)
def test_the_clock_rewrite_refuses_what_it_cannot_keep_exact(text: str) -> None:
    assert eval_cache.rewrite_clock(text) is None


def test_a_clock_mock_in_a_test_rule_is_allowed() -> None:
    text = "package a_test\n\ntest_x if {\n\tcount(data.a.deny) == 0 with time.now_ns as 5\n}\n"
    assert eval_cache.rewrite_clock(text) == text


def test_a_checked_rule_mocking_the_clock_keeps_no_results(setup: tuple[Options, FileCache, Path]) -> None:
    options, cache, root = setup
    (root / "policy" / "mock.rego").write_text(
        'package mock\nimport rego.v1\nlate if time.now_ns() > 10\n'
        'deny contains "m" if { late with time.now_ns as 5 }\n'
    )
    fresh = run_tests([], options, documents=documents())
    assert run_cached(options, documents(), cache) == fresh
    _, body = pack(cache)
    assert set(body["entries"]) == {"inspection"}


def test_a_clock_read_by_a_rule_of_data_alone_counts_for_every_document(
    setup: tuple[Options, FileCache, Path],
) -> None:
    """The per-document count relies on regorus evaluating rules afresh for each input: a value
    of data alone (``_now``) kept from the first document would let the second be stored."""
    options, cache, root = setup
    (root / "policy" / "clock.rego").write_text(
        'package clock\nimport rego.v1\n_now := time.now_ns()\n'
        'deny contains "x" if { input.files; _now < 0 }\n'
    )
    run_cached(options, documents(), cache)
    _, body = pack(cache)
    assert set(body["entries"]) == {"inspection"}
