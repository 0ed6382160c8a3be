"""One bad file never stops the extract run: it becomes a problem with its file and line.

Each fixture is a small real repository written in a temp dir holding one hostile file next to
ordinary ones; the run must finish, report the hostile file, and still extract the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.run import run_extractors
from testsupport.files import write

# ``x = 1+1+...``: CPython's parser gives up (RecursionError) from about 3,000 terms; grimp's
# Rust scanner overflows its stack (SIGSEGV) from about 50,000.
DEEP_PYTHON = "import os\n\nx = " + "+".join(["1"] * 60_000) + "\n"
DEEP_LINE = 3
GOOD_PYTHON = "import json\nimport requests\n\n\ndef fetch():\n    return requests.get('https://x')\n"


def problems_of(doc: dict[str, Any], rel: str) -> list[dict[str, Any]]:
    return [p for p in doc["problems"] if p["file"] == rel]


def files_of(doc: dict[str, Any]) -> set[str]:
    return {f["file"] for f in doc["files"]}


@pytest.fixture
def deep_python_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "app/__init__.py", "")
    write(root, "app/deep.py", DEEP_PYTHON)
    write(root, "app/good.py", GOOD_PYTHON)
    write(root, "scripts/deep_script.py", DEEP_PYTHON)
    write(root, "tests/test_deep.py", DEEP_PYTHON)
    write(root, "tests/test_good.py", "import time\n\n\ndef test_slow():\n    time.sleep(1)\n")
    return root


def test_python_nested_too_deep_for_the_parser_is_a_problem_with_its_line(
    deep_python_repo: Path, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    docs = run_extractors(deep_python_repo, ["imports", "tests", "observability", "tenancy"])
    for doc in docs.values():
        validate_document(doc)
    imports = docs["imports"]
    for rel in ("scripts/deep_script.py", "tests/test_deep.py"):
        (found,) = problems_of(imports, rel)
        assert found["code"] == "syntax"
        assert found["line"] == DEEP_LINE
        assert "nested too deeply" in found["message"]
    # grimp runs in a child process: where its stack overflows on app/deep.py (a SIGSEGV), the
    # ast engine reads the package and reports the file; where it copes, it needs no report.
    reported = [(p["code"], p["line"]) for p in problems_of(imports, "app/deep.py")]
    assert reported in ([], [("syntax", DEEP_LINE)])
    good = next(f for f in imports["files"] if f["file"] == "app/good.py")
    assert [i["target"] for i in good["imports"]] == ["json", "requests"]
    # The deep files' import lines are still read line by line.
    deep = next(f for f in imports["files"] if f["file"] == "app/deep.py")
    assert [i["target"] for i in deep["imports"]] == ["os"]
    tests = docs["tests"]
    assert [(p["file"], p["line"]) for p in tests["problems"]] == [("tests/test_deep.py", DEEP_LINE)]
    assert [t["name"] for t in tests["tests"]] == ["test_slow"]
    assert {p["file"] for p in docs["observability"]["problems"]} >= {"app/deep.py"}


def test_deeply_nested_javascript_tests_are_linear_not_quadratic(tmp_path: Path) -> None:
    depth = 3000
    root = tmp_path / "repo"
    write(root, "nested.test.ts", 'it("t", () => ' * depth + "setTimeout(done, 1)" + ")" * depth + ";\n")
    started = time.monotonic()
    doc = run_extractors(root, ["tests"])["tests"]
    elapsed = time.monotonic() - started
    assert doc["summary"]["tests"] == depth
    assert doc["summary"]["sleeping"] == depth  # every enclosing test holds the innermost sleep
    assert elapsed < 4, f"{depth} nested tests took {elapsed:.1f} s"


def test_coverage_json_nested_too_deeply_is_a_problem_and_other_reports_still_count(
    tmp_path: Path, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    root = tmp_path / "repo"
    write(root, "calc.py", "a = 1\nb = 2\n")
    write(root, "coverage.json", '{"files":\n' + "[" * 100_000 + "]" * 100_000 + "}")
    write(root, "lcov.info", "SF:calc.py\nDA:1,1\nDA:2,0\nend_of_record\n")
    doc = run_extractors(root, ["coverage"])["coverage"]
    validate_document(doc)
    (found,) = doc["problems"]
    assert (found["file"], found["line"], found["code"]) == ("coverage.json", 2, "malformed_report")
    assert "nested too deeply" in found["message"]
    assert doc["totals"] == {"files": 1, "measured": 2, "covered": 1, "missed": 1, "percent": 50.0}


def test_coverage_baseline_nested_too_deeply_is_a_problem(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "calc.py", "a = 1\n")
    write(root, "lcov.info", "SF:calc.py\nDA:1,1\nend_of_record\n")
    write(root, "baseline.json", "[" * 50_000 + "]" * 50_000)
    settings = {"options": {"coverage": {"baseline": "baseline.json"}}}
    doc = run_extractors(root, ["coverage"], settings=settings)["coverage"]
    found = [(p["file"], p["code"], p["line"]) for p in doc["problems"]]
    assert found == [("baseline.json", "bad_baseline", 1)]
    assert doc["totals"]["percent"] == 100.0


@pytest.mark.parametrize("report", ["lcov", "cobertura"])
def test_report_path_with_a_component_over_255_bytes_does_not_stop_the_run(
    tmp_path: Path, report: str, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    root = tmp_path / "repo"
    long_name = "a" * 300  # directly under the root, so the lookup reaches it: ENAMETOOLONG
    write(root, "calc.py", "a = 1\nb = 2\n")
    if report == "lcov":
        write(root, "lcov.info", f"SF:{long_name}/m.py\nDA:1,1\nend_of_record\n"
                                 "SF:calc.py\nDA:1,1\nDA:2,1\nend_of_record\n")
    else:
        lines = '<lines><line number="1" hits="1"/><line number="2" hits="1"/></lines>'
        write(root, "coverage.xml", "<coverage><packages><package><classes>"
                                    f'<class filename="{long_name}/m.py">{lines}</class>'
                                    f'<class filename="calc.py">{lines}</class>'
                                    "</classes></package></packages></coverage>")
    doc = run_extractors(root, ["coverage"])["coverage"]
    validate_document(doc)
    rows = {f["file"]: f["percent"] for f in doc["files"]}
    assert rows["calc.py"] == 100.0
    assert rows[f"{long_name}/m.py"] == 100.0


def test_manifests_nested_too_deeply_are_problems_with_their_line(
    tmp_path: Path, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    root = tmp_path / "repo"
    write(root, "web/package.json", '{"name": "web",\n "x": ' + "[" * 50_000 + "]" * 50_000 + "}")
    write(root, "web/index.js", "import x from 'left-pad';\n")
    write(root, "crate/Cargo.toml", '[package]\nname = "c"\nx = ' + "[" * 50_000 + "]" * 50_000 + "\n")
    write(root, "crate/src/lib.rs", "use std::fmt;\n")
    doc = run_extractors(root, ["imports"])["imports"]
    validate_document(doc)
    found = {p["file"]: (p["code"], p["line"]) for p in doc["problems"]}
    assert found == {"web/package.json": ("too_deep", 2), "crate/Cargo.toml": ("too_deep", 3)}
    assert files_of(doc) == {"web/index.js", "crate/src/lib.rs"}


def test_a_file_over_the_time_budget_is_a_timeout_problem_and_the_run_goes_on(
    tmp_path: Path, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    root = tmp_path / "repo"
    body = "".join(f"def f{i}():\n    return requests.get('{i}')\n" for i in range(15_000))
    big = "import requests\n" + body
    write(root, "big.py", big)
    write(root, "small.py", "import json\n")
    doc = run_extractors(root, ["imports"], settings={"file_timeout_ms": 25})["imports"]
    validate_document(doc)
    (found,) = doc["problems"]
    assert (found["file"], found["code"]) == ("big.py", "timeout")
    assert "25 ms" in found["message"] and "extract.file_timeout_ms" in found["message"]
    assert files_of(doc) == {"small.py"}


@pytest.mark.parametrize("value", [0, -5, "10", True, 1.5])
def test_file_timeout_must_be_a_positive_integer(tmp_path: Path, value: object) -> None:
    write(tmp_path, "a.py", "import os\n")
    with pytest.raises(ExtractorUsageError, match="file_timeout_ms"):
        run_extractors(tmp_path, ["imports"], settings={"file_timeout_ms": value})

