"""The per-file extraction cache: keys, invalidation, tampered records, budget, flags."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sentinel.extractors import cache as cache_mod
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.cache import (
    CachedRun,
    FileCache,
    code_fingerprint,
    decode,
    encode,
    map_files,
    pack_value,
    unpack_value,
)
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.run import run_extractors

TODO = "TO" + "DO"


class Counter:
    """A per-file function that records which files it was run on."""

    def __init__(self, value: Any = None) -> None:
        self.seen: list[str] = []
        self.value = value

    def __call__(self, rel: str) -> Any:
        self.seen.append(rel)
        return self.value if self.value is not None else ([{"file": rel, "n": len(self.seen)}], ())


def _ctx(root: Path, cache: FileCache | None, **options: Any) -> ExtractContext:
    return ExtractContext(root=root, files=("a.py",), options=options, cache=cache)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.py").write_text("x = 1\n")
    return root


def _run(ctx: ExtractContext, func: Counter, version: int = 1) -> list[Any]:
    return map_files(ctx, "demo", version, func, ["a.py"], str)


def test_second_run_is_served_from_the_cache(repo: Path, tmp_path: Path) -> None:
    first, second = Counter(), Counter()
    before = _run(_ctx(repo, FileCache(tmp_path / "c")), first)
    assert _run(_ctx(repo, FileCache(tmp_path / "c")), second) == before
    assert (first.seen, second.seen) == (["a.py"], [])


def test_changed_content_is_a_miss(repo: Path, tmp_path: Path) -> None:
    _run(_ctx(repo, FileCache(tmp_path / "c")), Counter())
    (repo / "a.py").write_text("x = 2\n")
    again = Counter()
    _run(_ctx(repo, FileCache(tmp_path / "c")), again)
    assert again.seen == ["a.py"]


def test_changed_options_are_a_miss(repo: Path, tmp_path: Path) -> None:
    _run(_ctx(repo, FileCache(tmp_path / "c"), markers=["A"]), Counter())
    again = Counter()
    _run(_ctx(repo, FileCache(tmp_path / "c"), markers=["B"]), again)
    assert again.seen == ["a.py"]


def test_bumped_extractor_version_is_a_miss(repo: Path, tmp_path: Path) -> None:
    _run(_ctx(repo, FileCache(tmp_path / "c")), Counter(), version=1)
    again = Counter()
    _run(_ctx(repo, FileCache(tmp_path / "c")), again, version=2)
    assert again.seen == ["a.py"]


def test_edited_extractor_source_changes_the_fingerprint_and_misses(repo: Path, tmp_path: Path) -> None:
    package = tmp_path / "extractors"
    shutil.copytree(Path(cache_mod.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_fingerprint(package)
    with open(package / "todos.py", "a") as handle:
        handle.write("\n# one more line\n")
    after = code_fingerprint(package)
    assert before != after
    _run(_ctx(repo, FileCache(tmp_path / "c", fingerprint=before)), Counter())
    again = Counter()
    _run(_ctx(repo, FileCache(tmp_path / "c", fingerprint=after)), again)
    assert again.seen == ["a.py"]


def _only_record(directory: Path) -> Path:
    (record,) = list(directory.rglob("*.json"))
    return record


def _entries(body: bytes, value: Any) -> bytes:
    pack = json.loads(body)
    pack["entries"] = {key: value for key in pack["entries"]}
    return json.dumps(pack).encode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body: b"{not json",
        lambda body: body[: len(body) // 2],
        lambda body: body.replace(b'"namespace":"', b'"namespace":"0'),
        lambda body: _entries(body, {"x": {"c": "Path", "f": {}}}),
        lambda body: _entries(body, {"x": {"q": 1}}),
        lambda body: _entries(body, {"x": {"d": [[{"l": []}, 1]]}}),
        lambda body: b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["garbage", "truncated", "other-namespace", "unknown-class", "unknown-tag", "unhashable-key",
         "deeply-nested"],
)
def test_tampered_record_is_never_served(repo: Path, tmp_path: Path, tamper: Any) -> None:
    _run(_ctx(repo, FileCache(tmp_path / "c")), Counter())
    record = _only_record(tmp_path / "c")
    record.write_bytes(tamper(record.read_bytes()))
    again = Counter()
    result = _run(_ctx(repo, FileCache(tmp_path / "c")), again)
    assert again.seen == ["a.py"]
    assert result == [([{"file": "a.py", "n": 1}], ())]


def test_pack_over_the_size_budget_is_not_read(repo: Path, tmp_path: Path) -> None:
    _run(_ctx(repo, FileCache(tmp_path / "c")), Counter())
    again = Counter()
    _run(_ctx(repo, FileCache(tmp_path / "c", max_bytes=10)), again)
    assert again.seen == ["a.py"]


def test_records_of_deleted_files_leave_the_pack(repo: Path, tmp_path: Path) -> None:
    (repo / "b.py").write_text("y = 1\n")
    map_files(_ctx(repo, FileCache(tmp_path / "c")), "demo", 1, Counter(), ["a.py", "b.py"], str)
    (repo / "b.py").unlink()
    _run(_ctx(repo, FileCache(tmp_path / "c")), Counter())
    assert len(json.loads(_only_record(tmp_path / "c").read_bytes())["entries"]) == 1


def test_record_that_is_a_symlink_is_not_followed(repo: Path, tmp_path: Path) -> None:
    _run(_ctx(repo, FileCache(tmp_path / "c")), Counter())
    record = _only_record(tmp_path / "c")
    elsewhere = tmp_path / "elsewhere.json"
    os.replace(record, elsewhere)
    record.symlink_to(elsewhere)
    again = Counter()
    _run(_ctx(repo, FileCache(tmp_path / "c")), again)
    assert again.seen == ["a.py"]


def test_timeout_results_are_not_stored(repo: Path, tmp_path: Path) -> None:
    problem = {"file": "a.py", "line": None, "code": "timeout", "message": "over budget"}
    timed_out: tuple[list[Any], list[Any]] = ([], [problem])
    _run(_ctx(repo, FileCache(tmp_path / "c")), Counter(timed_out))
    assert not list((tmp_path / "c").rglob("*.json"))


def test_encoding_keeps_lists_tuples_and_key_order() -> None:
    value = ({"b": [1, (2.5, None)], "a": "x"}, [True, {"k": ()}])
    back = decode(json.loads(json.dumps(encode(value))), {})
    assert back == value
    assert type(back) is tuple and type(back[0]["b"][1]) is tuple
    assert list(back[0]) == ["b", "a"]


@pytest.mark.parametrize(
    "value",
    [([{"a": 1}], []), [{"a": (1, 2)}], ({1: "x"}, None), ("\ud800",), {"b": 1.5, "a": [True, None]}],
)
def test_records_give_back_equal_values_of_the_same_types(value: Any) -> None:
    try:
        record = pack_value(value)
    except cache_mod.Uncacheable:
        assert value == ("\ud800",)  # not UTF-8: computed each run, never stored
        return
    back = unpack_value(json.loads(json.dumps(record)), {})
    assert back == value and type(back) is type(value)
    assert json.dumps(back) == json.dumps(value)


@dataclass
class Node:
    name: str
    items: list[tuple[str, int]]


@dataclass
class Pair:
    left: Node
    right: Node


def test_one_dataclass_in_two_places_stays_one_object() -> None:
    shared = Node("n", [("a", 1)])
    back = unpack_value(json.loads(json.dumps(pack_value(Pair(shared, shared), (Pair, Node)))),
                        {"Pair": Pair, "Node": Node})
    assert back == Pair(shared, shared)
    assert back.left is back.right


def test_stored_record_does_not_follow_later_changes_to_the_value(repo: Path, tmp_path: Path) -> None:
    value: tuple[list[dict[str, Any]], list[Any]] = ([{"file": "a.py", "kind": None}], [])
    [got] = _run(_ctx(repo, FileCache(tmp_path / "c")), Counter(value))
    got[0][0]["kind"] = "changed by the cross-file step"
    [again] = _run(_ctx(repo, FileCache(tmp_path / "c")), Counter())
    assert again == ([{"file": "a.py", "kind": None}], [])


def test_prune_removes_least_recently_used_packs_down_to_the_budget(tmp_path: Path) -> None:
    store = FileCache(tmp_path / "c", max_bytes=4000)
    for i in range(20):
        space = f"{i:02d}" + "0" * 62
        store.save(space, {"k": "x" * 400})
        os.utime(tmp_path / "c" / "v1" / f"{space}.json", (1000 + i, 1000 + i))
    store.prune()
    left = sorted(p.name[:2] for p in (tmp_path / "c").rglob("*.json"))
    total = sum(p.stat().st_size for p in (tmp_path / "c").rglob("*.json"))
    assert total <= 4000
    assert left == [f"{i:02d}" for i in range(20 - len(left), 20)]


def _todo_repo(root: Path) -> None:
    root.mkdir(exist_ok=True)
    (root / "a.py").write_text(f"# {TODO}: one\nx = 1\n")


def test_cache_folder_inside_the_repository_is_not_extracted(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _todo_repo(root)
    settings = {"cache_dir": str(root / "cachefolder")}
    run_extractors(root, ["todos"], settings=settings)
    files = run_extractors(root, ["files"], settings=settings)["files"]
    assert (root / "cachefolder").is_dir()
    assert not any(f["path"].startswith("cachefolder") for f in files["files"])


def test_cache_false_writes_no_cache(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _todo_repo(root)
    run_extractors(root, ["todos"], settings={"cache": False})
    assert not (root / ".sentinel").exists()


def test_cache_setting_must_be_a_boolean(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _todo_repo(root)
    with pytest.raises(ExtractorUsageError):
        run_extractors(root, ["todos"], settings={"cache": "no"})


def test_forged_record_of_wrong_types_falls_back_to_extraction(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _todo_repo(root)
    cache_dir = tmp_path / "c"
    plain = run_extractors(root, ["todos"], settings={"cache": False})
    run_extractors(root, ["todos"], settings={"cache_dir": str(cache_dir)})
    record = _only_record(cache_dir)
    record.write_bytes(_entries(record.read_bytes(), pack_value(([{"file": 1}], []))))
    assert run_extractors(root, ["todos"], settings={"cache_dir": str(cache_dir)}) == plain


def test_no_cache_flag_of_extract_writes_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sentinel.cli import main

    root = tmp_path / "repo"
    _todo_repo(root)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["extract", "-k", "todos", "--no-cache", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert not (root / ".sentinel" / "cache").exists()


def test_cache_dir_flag_of_extract_puts_the_cache_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sentinel.cli import main

    root = tmp_path / "repo"
    _todo_repo(root)
    monkeypatch.chdir(root)
    args = ["extract", "-k", "todos", "--cache-dir", str(tmp_path / "shared"), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "shared").rglob("*.json"))


def test_prune_deletes_only_packs(tmp_path: Path) -> None:
    FileCache(tmp_path / "c").save("a" * 64, {"k": "x" * 100})
    foreign = tmp_path / "c" / "v1" / "notes.json"
    foreign.write_text("x" * 100)
    FileCache(tmp_path / "c", max_bytes=10).prune()
    assert foreign.exists()
    assert not (tmp_path / "c" / "v1" / ("a" * 64 + ".json")).exists()


def test_cache_folder_linked_elsewhere_is_neither_written_nor_pruned(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "v1").symlink_to(elsewhere)
    _run(_ctx(repo, FileCache(tmp_path / "c")), Counter())
    assert not list(elsewhere.iterdir())


# ---- the stat memo and the in-run edit check ------------------------------------------------


def _later() -> int:
    """A clock far enough ahead that every file of the test counts as long unchanged."""
    return time.time_ns() + 10 * cache_mod.RACY_NS


def _same_size_edit(path: Path, text: str) -> None:
    """Rewrite ``path`` with ``text`` (same length), keeping its mtime; wait until the ctime moved
    (a write in the same timestamp tick keeps it, which only the racy rule can catch)."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    while True:
        path.write_text(text)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        if path.stat().st_ctime_ns != before.st_ctime_ns:
            return
        time.sleep(0.01)


def test_stat_memo_spares_reading_unchanged_files(repo: Path, tmp_path: Path) -> None:
    first = FileCache(tmp_path / "c", clock=_later)
    before = _run(_ctx(repo, first), Counter())
    assert first.hashed == 1
    again, second = Counter(), FileCache(tmp_path / "c", clock=_later)
    assert _run(_ctx(repo, second), again) == before
    assert (again.seen, second.hashed) == ([], 0)


def test_racily_clean_file_is_hashed_again(repo: Path, tmp_path: Path) -> None:
    # a.py was written just now: its stat may not change on a same-size edit within this tick,
    # so no memo entry is written for it and the next run reads it again.
    _run(_ctx(repo, FileCache(tmp_path / "c")), Counter())
    _same_size_edit(repo / "a.py", "x = 2\n")
    again, second = Counter(), FileCache(tmp_path / "c")
    assert _run(_ctx(repo, second), again) == [([{"file": "a.py", "n": 1}], ())]
    # read at lookup, and again before storing: a stat that may be racy is not trusted either
    assert (again.seen, second.hashed) == (["a.py"], 2)
    assert not [p for p in (tmp_path / "c").rglob("*.json") if b"stat memo" in p.read_bytes()]


def test_entry_written_in_the_racy_window_is_not_kept(repo: Path, tmp_path: Path) -> None:
    changed = (repo / "a.py").stat().st_ctime_ns
    _run(_ctx(repo, FileCache(tmp_path / "c", clock=lambda: changed + cache_mod.RACY_NS)), Counter())
    second = FileCache(tmp_path / "c", clock=_later)
    _run(_ctx(repo, second), Counter())
    assert second.hashed == 1


def test_same_size_edit_keeping_mtime_is_seen_through_the_memo(repo: Path, tmp_path: Path) -> None:
    _run(_ctx(repo, FileCache(tmp_path / "c", clock=_later)), Counter())
    _same_size_edit(repo / "a.py", "x = 2\n")
    again, second = Counter(), FileCache(tmp_path / "c", clock=_later)
    _run(_ctx(repo, second), again)
    assert (again.seen, second.hashed) == (["a.py"], 1)


@pytest.mark.parametrize(
    "entry",
    [None, "x", [], [1, 2, 3, 4, 5, "f" * 64], ["a"] * 6, [0, 0, 0, 0, 0, 7]],
    ids=["null", "string", "empty", "other-stat", "strings", "digest-not-hex"],
)
def test_forged_memo_entry_is_a_miss(repo: Path, tmp_path: Path, entry: Any) -> None:
    _run(_ctx(repo, FileCache(tmp_path / "c", clock=_later)), Counter())
    (memo,) = [p for p in (tmp_path / "c").rglob("*.json") if b'"a.py":[' in p.read_bytes()]
    forged = json.loads(memo.read_bytes())
    forged["entries"]["a.py"] = entry
    memo.write_text(json.dumps(forged))
    again, second = Counter(), FileCache(tmp_path / "c", clock=_later)
    assert _run(_ctx(repo, second), again) == [([{"file": "a.py", "n": 1}], ())]
    assert (again.seen, second.hashed) == ([], 1)


@pytest.mark.parametrize("clock", [time.time_ns, _later], ids=["racy", "trusted-stat"])
def test_file_edited_during_the_run_is_not_stored(repo: Path, tmp_path: Path, clock: Any) -> None:
    ctx = _ctx(repo, FileCache(tmp_path / "c", clock=clock))
    run = CachedRun(ctx, "demo", 1, ["a.py"])
    assert run.missing == [0]
    _same_size_edit(repo / "a.py", "x = 2\n")  # after the lookup, before the store
    run.store(0, ([{"file": "a.py", "stale": True}], ()))
    run.close()
    again = Counter()
    result = _run(_ctx(repo, FileCache(tmp_path / "c", clock=clock)), again)
    assert (result, again.seen) == ([([{"file": "a.py", "n": 1}], ())], ["a.py"])


@dataclass
class Hidden:
    _problem: dict[str, Any]


def test_timeout_in_a_private_dataclass_field_is_not_stored(repo: Path, tmp_path: Path) -> None:
    value = (Hidden({"file": "a.py", "code": "timeout", "message": "over budget"}),)
    ctx = _ctx(repo, FileCache(tmp_path / "c"))
    assert map_files(ctx, "demo", 1, Counter(value), ["a.py"], str, types=[Hidden]) == [value]
    assert not list((tmp_path / "c").rglob("*.json"))
