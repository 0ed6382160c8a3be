"""tests kind: test files and tests per language, async flags, sleep calls, bad input."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors import tests
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.selection import select_files

PYTHON = '''import time
from asyncio import sleep as nap
import unittest

def test_plain():
    time.sleep(1)

async def test_async():
    await nap(0.1)
    def helper():
        time.sleep(2)

def helper_not_a_test():
    time.sleep(3)

class TestGroup:
    async def test_method(self):
        pass

    class TestInner:
        def test_nested(self):
            pass

class Cases(unittest.TestCase):
    def test_case(self):
        pass

    def setUp(self):
        pass

class Helper:
    def test_ignored(self):
        pass
'''

RUST = '''use std::thread;

pub fn add() {}

#[cfg(test)]
mod tests {
    use tokio::time::sleep;

    #[test]
    fn adds() { thread::sleep(d); }

    #[tokio::test(flavor = "multi_thread")]
    async fn waits() { sleep(d).await; }

    fn helper() {}
}
'''

GO = '''package shop

import (
	"testing"
	t2 "time"
)

func TestOrders(t *testing.T) { t.Parallel(); t2.Sleep(1) }
func TestEmpty(t *testing.T) {}
func Testlower(t *testing.T) {}
func helper() {}
'''

JS = '''describe("orders", () => {
  it("waits", async () => { await new Promise((r) => setTimeout(r, 10)); });
  test.only("plain", function () { setTimeout(f, 1); });
  it("no callback");
});
'''

ELIXIR = '''defmodule Shop.OrdersTest do
  use ExUnit.Case, async: true

  test "sleeps", %{conn: conn} do
    Process.sleep(100)
  end

  describe "group" do
    test "plain" do
      :timer.sleep(5)
    end
  end
end

defmodule Shop.SyncTest do
  use ExUnit.Case
  test "sync" do
  end
end
'''


def extract(root: Path, options: dict[str, Any] | None = None) -> dict[str, Any]:
    return tests.extract(ExtractContext(root=root, files=tuple(select_files(root)), options=options or {}))


def summary_of(doc: dict[str, Any], file: str) -> list[tuple[str, int, bool, list[str]]]:
    return [(t["name"], t["line"], t["async"], [s["name"] for s in t["sleeps"]])
            for t in doc["tests"] if t["file"] == file]


def test_python_test_functions_methods_and_sleeps(git_repo: Any) -> None:
    git_repo.write("tests/test_orders.py", PYTHON)
    assert summary_of(extract(git_repo.root), "tests/test_orders.py") == [
        ("test_plain", 5, False, ["time.sleep"]),
        ("test_async", 8, True, ["asyncio.sleep"]),
        ("TestGroup.test_method", 17, True, []),
        ("TestGroup.TestInner.test_nested", 21, False, []),
        ("Cases.test_case", 25, False, []),
    ]


def test_rust_unit_tests_in_src_with_async_and_sleeps_resolved_through_use(git_repo: Any) -> None:
    git_repo.write("src/lib.rs", RUST)
    doc = extract(git_repo.root)
    assert summary_of(doc, "src/lib.rs") == [
        ("adds", 10, False, ["std::thread::sleep"]),
        ("waits", 13, True, ["tokio::time::sleep"]),
    ]
    assert doc["files"] == [{"file": "src/lib.rs", "language": "rust", "tests": 2}]


def test_go_tests_need_the_test_name_and_testing_t_and_parallel_means_async(git_repo: Any) -> None:
    git_repo.write("shop/orders_test.go", GO)
    assert summary_of(extract(git_repo.root), "shop/orders_test.go") == [
        ("TestOrders", 8, True, ["time.Sleep"]),
        ("TestEmpty", 9, False, []),
    ]


def test_javascript_it_and_test_calls_with_async_callbacks(git_repo: Any) -> None:
    git_repo.write("web/orders.test.js", JS)
    git_repo.write("web/orders.spec.ts", JS)
    doc = extract(git_repo.root)
    expected = [("waits", 2, True, ["setTimeout"]), ("plain", 3, False, ["setTimeout"])]
    assert summary_of(doc, "web/orders.test.js") == expected
    assert summary_of(doc, "web/orders.spec.ts") == expected


def test_elixir_tests_are_async_when_their_module_is(git_repo: Any) -> None:
    git_repo.write("test/shop/orders_test.exs", ELIXIR)
    assert summary_of(extract(git_repo.root), "test/shop/orders_test.exs") == [
        ("sleeps", 4, True, ["Process.sleep"]),
        ("plain", 9, True, [":timer.sleep"]),
        ("sync", 17, False, []),
    ]


def test_test_files_without_tests_are_listed_and_other_files_are_not(git_repo: Any) -> None:
    git_repo.write("tests/conftest.py", "import pytest\n")
    git_repo.write("src/app.py", "def test_like_name():\n    pass\n")
    git_repo.write("src/main.rs", "fn main() {}\n")
    listed = extract(git_repo.root)["files"]
    assert listed == [{"file": "tests/conftest.py", "language": "python", "tests": 0}]


def test_sleep_calls_option_replaces_the_default_names(git_repo: Any) -> None:
    git_repo.write("tests/test_a.py",
                   "import time\nimport gevent\ndef test_a():\n    time.sleep(1)\n    gevent.sleep(1)\n")
    [test] = extract(git_repo.root, {"sleep_calls": ["gevent.sleep"]})["tests"]
    assert [s["name"] for s in test["sleeps"]] == ["gevent.sleep"]


def test_sleep_calls_option_must_be_a_list(git_repo: Any) -> None:
    git_repo.write("tests/test_a.py", "")
    with pytest.raises(ExtractorUsageError, match="sleep_calls"):
        extract(git_repo.root, {"sleep_calls": "time.sleep"})


def test_python_syntax_error_is_a_problem_with_its_line(git_repo: Any) -> None:
    git_repo.write("tests/test_a.py", "def test_a():\n    pass\n\ndef test_b(:\n")
    doc = extract(git_repo.root)
    assert [(p["file"], p["line"], p["code"]) for p in doc["problems"]] == [("tests/test_a.py", 4, "syntax")]


@pytest.mark.parametrize(("rel", "source", "kept"), [
    ("tests/it.rs", "#[test]\nfn kept() {}\nfn broken( {\n", "kept"),
    ("a_test.go", "package a\nimport \"testing\"\nfunc TestKept(t *testing.T) {}\nfunc (\n", "TestKept"),
    ("a.test.ts", 'it("kept", () => {});\nfunction ( {\n', "kept"),
    ("test/a_test.exs", 'defmodule ATest do\n  test "kept" do\n  end\n  def f( do\n', "kept"),
])
def test_tree_sitter_syntax_error_is_a_problem_and_earlier_tests_are_kept(
        git_repo: Any, rel: str, source: str, kept: str) -> None:
    git_repo.write(rel, source)
    doc = extract(git_repo.root)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [(rel, "syntax")]
    assert [t["name"] for t in doc["tests"]] == [kept]


@pytest.mark.parametrize(("content", "code"), [(b"def test_a():\n    pass\n\xff", "encoding"),
                                               (b"\x00\x01\x02", "binary")])
def test_unreadable_test_file_is_a_problem(git_repo: Any, content: bytes, code: str) -> None:
    git_repo.write("tests/test_bad.py", content)
    doc = extract(git_repo.root)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("tests/test_bad.py", code)]


def test_symlinks_and_symlink_loops_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_a.py").write_text("def test_a():\n    pass\n")
    os.symlink(root, root / "tests" / "loop")
    os.symlink(root / "tests" / "test_a.py", root / "tests" / "test_b.py")
    assert [t["file"] for t in extract(root)["tests"]] == ["tests/test_a.py"]


def write_all(repo: Any) -> None:
    repo.write("tests/test_orders.py", PYTHON)
    repo.write("src/lib.rs", RUST)
    repo.write("shop/orders_test.go", GO)
    repo.write("web/orders.test.js", JS)
    repo.write("test/shop/orders_test.exs", ELIXIR)


def test_real_output_matches_the_schema(git_repo: Any,
                                        validate_document: Callable[[dict[str, Any]], None]) -> None:
    write_all(git_repo)
    validate_document(extract(git_repo.root))


def test_two_runs_give_byte_identical_json(git_repo: Any) -> None:
    write_all(git_repo)
    first = json.dumps(extract(git_repo.root), sort_keys=True)
    assert json.dumps(extract(git_repo.root), sort_keys=True) == first


def test_summary_counts_async_and_sleeping_tests(git_repo: Any) -> None:
    write_all(git_repo)
    assert extract(git_repo.root)["summary"] == {"files": 5, "tests": 14, "async": 7, "sleeping": 9,
                                                 "async_sleeping": 6}
