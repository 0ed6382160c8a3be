"""The source pass: each file read and parsed once for observability, safety, tenancy and tests,
with the documents each kind gave when it read and parsed every file itself."""

from __future__ import annotations

import ast
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors import observability
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.run import run_extractors
from sentinel.extractors.secrets.prefilter import required_literals
from sentinel.extractors.sourcepass import KindPlan, SourceFile, TextHint, Visitor, run_pass
from testsupport.files import write

KINDS = ["observability", "safety", "tenancy", "tests"]

FILES = {
    "app/views.py": '''import logging

import redis
from flask import Flask

app = Flask(__name__)
r = redis.Redis()
log = logging.getLogger(__name__)


@app.get("/items")
def items(tenant_id):
    try:
        value = r.get(f"items:{tenant_id}")
    except ConnectionError:
        return True
    log.info("served")
    return value
''',
    "tests/test_views.py": '''import time

from app.views import items


def test_items():
    time.sleep(0.1)
    assert items("t")


async def test_async_items():
    pass
''',
    # Every kind's prefilter lets it through: each reports the parse error its own way.
    "tests/test_broken.py": '''import redis

r = redis.Redis()


def test_broken(:
    try:
        r.get("k")
    except Exception:
        pass
''',
    "svc/main.go": '''package main

import (
	"net/http"

	"github.com/redis/go-redis/v9"
)

var rdb = redis.NewClient(&redis.Options{})

func items(w http.ResponseWriter, req *http.Request) {
	rdb.Get(req.Context(), "items:all")
}

func main() {
	http.HandleFunc("/items", items)
}
''',
    "svc/main_test.go": '''package main

import (
	"testing"
	"time"
)

func TestItems(t *testing.T) {
	t.Parallel()
	time.Sleep(time.Millisecond)
}
''',
    "src/lib.rs": '''pub fn allowed(check: Result<bool, String>) -> bool {
    check.unwrap_or(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn it_allows() {
        std::thread::sleep(std::time::Duration::from_millis(1));
        assert!(super::allowed(Ok(true)));
    }
}
''',
    "web/app.test.ts": '''import express from "express";

const app = express();
app.get("/health", (req, res) => res.send("ok"));

it("waits", async () => {
  await new Promise((r) => setTimeout(r, 10));
});
''',
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        write(root, rel, text)
    (root / "tests/test_binary.py").write_bytes(b"def test_binary():\n    pass\x00\n")
    return root


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names ``ast.parse`` was called with, in this process."""
    seen: list[str] = []
    real: Callable[..., Any] = ast.parse

    def counting(source: Any, filename: str = "<unknown>", *args: Any, **kwargs: Any) -> Any:
        seen.append(str(filename))
        return real(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting)
    return seen


def _problems(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(p["file"], p["code"], p["message"]) for p in doc["problems"]]


BINARY = ("tests/test_binary.py", "binary", "binary file (contains NUL bytes); skipped")


def test_each_python_file_is_parsed_once_for_all_four_kinds(repo: Path, parses: list[str]) -> None:
    """Before the pass: views.py three times (observability, safety, tenancy), the broken test
    module four times, test_views.py twice."""
    run_extractors(repo, KINDS, settings={"cache": False})
    assert sorted(parses) == ["app/views.py", "tests/test_broken.py", "tests/test_views.py"]


def test_documents_are_what_each_kind_found_on_its_own(repo: Path) -> None:
    docs = run_extractors(repo, KINDS, settings={"cache": False})

    obs = docs["observability"]
    assert [(h["file"], h["line"], h["framework"], h["route"], h["emits_log"]) for h in obs["handlers"]] == [
        ("app/views.py", 12, "flask", "/items", True),
        ("svc/main.go", 11, "net/http", "/items", False),
        ("web/app.test.ts", 4, "express", "/health", False),
    ]
    assert obs["handlers"][0]["log_calls"] == [{"call": "log.info(", "line": 17}]
    assert _problems(obs) == [
        BINARY, ("tests/test_broken.py", "syntax", "cannot parse Python: invalid syntax"),
    ]

    safety = docs["safety"]
    sites = safety["fail_open"]
    assert [(s["file"], s["line"], s["function"], s["pattern"], s["detail"]) for s in sites] == [
        ("app/views.py", 16, "items", "allow_on_error", "except ConnectionError: returns True"),
        ("src/lib.rs", 2, "allowed", "default_allow", "check.unwrap_or(true) defaults to allowing"),
    ]
    assert safety["files_scanned"] == 5
    assert _problems(safety) == [BINARY, ("tests/test_broken.py", "syntax", "syntax error: invalid syntax")]

    tenancy = docs["tenancy"]
    assert [(s["file"], s["line"], s["call"], s["key"], s["tenant"]) for s in tenancy["sites"]] == [
        ("app/views.py", 14, "r.get", 'f"items:{tenant_id}"', "present"),
        ("svc/main.go", 12, "rdb.Get", '"items:all"', "absent"),
    ]
    assert _problems(tenancy) == [
        BINARY, ("tests/test_broken.py", "syntax", "cannot parse Python: invalid syntax"),
    ]

    tests = docs["tests"]
    assert [(t["file"], t["line"], t["name"], t["async"], [s["name"] for s in t["sleeps"]])
            for t in tests["tests"]] == [
        ("src/lib.rs", 8, "it_allows", False, ["std::thread::sleep"]),
        ("svc/main_test.go", 8, "TestItems", True, ["time.Sleep"]),
        ("tests/test_views.py", 6, "test_items", False, ["time.sleep"]),
        ("tests/test_views.py", 11, "test_async_items", True, []),
        ("web/app.test.ts", 6, "waits", True, ["setTimeout"]),
    ]
    assert [(f["file"], f["tests"]) for f in tests["files"]] == [
        ("src/lib.rs", 1), ("svc/main_test.go", 1), ("tests/test_binary.py", 0),
        ("tests/test_broken.py", 0), ("tests/test_views.py", 2), ("web/app.test.ts", 1),
    ]
    assert _problems(tests) == [BINARY, ("tests/test_broken.py", "syntax", "syntax error: invalid syntax")]


def test_a_kind_alone_and_a_cached_run_give_the_same_documents(repo: Path, tmp_path: Path) -> None:
    together = run_extractors(repo, KINDS, settings={"cache": False})
    for kind in KINDS:
        alone = run_extractors(repo, [kind], settings={"cache": False})
        assert json.dumps(alone[kind], sort_keys=True) == json.dumps(together[kind], sort_keys=True)
    settings = {"cache_dir": str(tmp_path / "cache")}
    cold = run_extractors(repo, KINDS, settings=settings)
    warm = run_extractors(repo, KINDS, settings=settings)
    assert json.dumps(cold, sort_keys=True) == json.dumps(together, sort_keys=True)
    assert json.dumps(warm, sort_keys=True) == json.dumps(together, sort_keys=True)


def test_a_warm_run_parses_nothing(repo: Path, tmp_path: Path, parses: list[str]) -> None:
    settings = {"cache_dir": str(tmp_path / "cache")}
    run_extractors(repo, KINDS, settings=settings)
    parses.clear()
    run_extractors(repo, KINDS, settings=settings)
    assert parses == []
    write(repo, "tests/test_views.py", FILES["tests/test_views.py"] + "\n\ndef test_more():\n    pass\n")
    docs = run_extractors(repo, KINDS, settings=settings)
    assert parses == ["tests/test_views.py"]
    assert "test_more" in [t["name"] for t in docs["tests"]["tests"]]


def test_a_failed_parse_is_kept_and_raised_to_every_kind_that_asks(tmp_path: Path, parses: list[str]) -> None:
    write(tmp_path, "bad.py", "def f(:\n")
    source = SourceFile(str(tmp_path), "bad.py", 1_000)
    for _ in range(2):
        with pytest.raises(SyntaxError):
            source.python()
    assert parses == ["bad.py"]
    assert source.text() == ("def f(:\n", None)


def test_a_file_over_the_size_limit_is_never_parsed(tmp_path: Path, parses: list[str]) -> None:
    write(tmp_path, "big.py", "x = 1\n" * 100)
    source = SourceFile(str(tmp_path), "big.py", 100)
    text, prob = source.text()
    assert text is None and prob is not None and prob["code"] == "too_large"
    with pytest.raises(ValueError):
        source.python()
    assert parses == []


def test_a_text_hint_checks_its_literals_first_and_never_drops_a_match(tmp_path: Path) -> None:
    hint = TextHint(re.compile(r"\bprint\s*\(|log\w*\.info\(", re.IGNORECASE), ("print", "log"), fold=True)
    texts = {
        "upper.py": "PRINT(1)\n",  # ASCII: found through the lower-cased text
        "none.py": "x = 1\n",  # ASCII without either literal: the pattern is not tried
        "dotless.py": "\u00e9 = 1\npr\u0131nt(2)\n",  # ``re`` folds a dotless i to i; casefold() would not
        "logger.py": "LOGGER.info('x')\n",
    }
    for rel, text in texts.items():
        write(tmp_path, rel, text)
        source = SourceFile(str(tmp_path), rel, 1_000)
        assert (hint.search(source, text) is not None) is (hint.pattern.search(text) is not None), rel
    assert hint.search(SourceFile(str(tmp_path), "none.py", 1_000), "x = 1\n") is None


@pytest.mark.parametrize("hint", [observability._UNSTRUCTURED_HINT, observability._TABLE_HINT])
def test_the_observability_hints_name_the_literals_their_patterns_need(hint: TextHint) -> None:
    assert required_literals(hint.pattern) == frozenset(hint.literals)


def _sleep_past_budget(rel: str, source: SourceFile) -> Any:
    time.sleep(2)
    return "finished"


def _count_lines(rel: str, source: SourceFile) -> Any:
    text, _ = source.text()
    return None if text is None else text.count("\n")


def _as_problem(rel: str, prob: dict[str, Any]) -> Any:
    return prob


def test_each_kind_has_its_own_time_budget_for_a_file(tmp_path: Path) -> None:
    """A kind over its budget on a file is a ``timeout`` problem in that kind only; the next kind
    gets the file with a budget of its own."""
    write(tmp_path, "a.py", "x = 1\ny = 2\n")
    ctx = ExtractContext(root=tmp_path, files=("a.py",), file_timeout_ms=200, jobs=1)
    slow = KindPlan(ctx, Visitor("slow", 1, _sleep_past_budget, _as_problem), ["a.py"], lambda r: {})
    lines = KindPlan(ctx, Visitor("lines", 1, _count_lines, _as_problem), ["a.py"], lambda r: {})
    started = time.monotonic()
    [timed_out], [counted] = run_pass([slow, lines])
    assert time.monotonic() - started < 1.5
    assert timed_out["code"] == "timeout" and timed_out["file"] == "a.py"
    assert counted == 2
