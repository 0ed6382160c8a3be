"""The coverage extractor on real coverage.py, Cobertura and LCOV reports made by coverage.py itself."""

from __future__ import annotations

import importlib.util
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import coverage
import pytest

from sentinel.extractors import gitrepo
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.coverage import extract
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.inputs import dumps

BASE_CALC = """\
def add(a, b):
    return a + b

def sub(a, b):
    return a - b
"""

HEAD_CALC = (
    BASE_CALC
    + """
def unused(x):
    if x:
        return 1
    return 0
"""
)

# Under coverage.py, importing the module executes the def lines (1, 4, 7); add(1, 2) runs line 2.
MEASURED = 8
COVERED = 4
MISSED_LINES = [5, 8, 9, 10]

_names = itertools.count()


def measure(
    root: Path,
    calls: Callable[[Any], None],
    reports: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    cwd: Path | None = None,
) -> None:
    """Run app/calc.py under coverage.py, then write the named reports (json, xml, lcov)."""
    monkeypatch.chdir(cwd or root)
    cov = coverage.Coverage(
        data_file=str(root / f".coverage.{next(_names)}"), config_file=False, source=[str(root / "app")]
    )
    cov.start()
    try:
        spec = importlib.util.spec_from_file_location(
            f"sentinel_calc_{next(_names)}", root / "app" / "calc.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        calls(module)
    finally:
        cov.stop()
    cov.save()
    for kind, rel in reports.items():
        out = str(root / rel)
        if kind == "json":
            cov.json_report(outfile=out)
        elif kind == "xml":
            cov.xml_report(outfile=out)
        else:
            cov.lcov_report(outfile=out)


def call_add(module: Any) -> None:
    module.add(1, 2)


def run(root: Path, base: str | None = None, **options: Any) -> dict[str, Any]:
    return extract(ExtractContext(root=root, files=(), base=base, is_git=base is not None, options=options))


def only_file(doc: dict[str, Any]) -> dict[str, Any]:
    assert len(doc["files"]) == 1, doc["files"]
    return doc["files"][0]


@pytest.fixture
def repo(git_repo: Any) -> Any:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/calc.py", HEAD_CALC)
    git_repo.commit("calc")
    return git_repo


def test_coverage_py_json_gives_measured_covered_and_missed_lines(
    repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    measure(repo.root, call_add, {"json": "coverage.json"}, monkeypatch)
    row = next(f for f in run(repo.root)["files"] if f["file"] == "app/calc.py")
    assert (row["measured"], row["covered"], row["missed"]) == (MEASURED, COVERED, len(MISSED_LINES))
    assert row["missed_lines"] == MISSED_LINES
    assert row["percent"] == 50.0
    assert row["line"] == MISSED_LINES[0]


def test_cobertura_report_gives_the_same_lines(repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    measure(repo.root, call_add, {"xml": "coverage.xml"}, monkeypatch)
    doc = run(repo.root)
    row = next(f for f in doc["files"] if f["file"] == "app/calc.py")
    assert (row["measured"], row["missed_lines"]) == (MEASURED, MISSED_LINES)
    assert doc["reports"][0]["format"] == "cobertura"


def test_lcov_report_gives_the_same_lines(repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    measure(repo.root, call_add, {"lcov": "lcov.info"}, monkeypatch)
    doc = run(repo.root)
    row = next(f for f in doc["files"] if f["file"] == "app/calc.py")
    assert (row["measured"], row["missed_lines"]) == (MEASURED, MISSED_LINES)
    assert doc["reports"][0]["format"] == "lcov"


def test_reports_are_found_by_default_and_merged(repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    measure(
        repo.root,
        call_add,
        {"json": "coverage.json", "xml": "coverage.xml", "lcov": "lcov.info"},
        monkeypatch,
    )
    doc = run(repo.root)
    assert [r["file"] for r in doc["reports"]] == ["coverage.json", "coverage.xml", "lcov.info"]
    row = next(f for f in doc["files"] if f["file"] == "app/calc.py")
    assert row["reports"] == ["coverage.json", "coverage.xml", "lcov.info"]
    assert (row["measured"], row["covered"]) == (MEASURED, COVERED)


def test_a_line_covered_in_any_report_is_covered(repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    measure(repo.root, call_add, {"json": "coverage.json"}, monkeypatch)
    measure(repo.root, lambda m: m.unused(1), {"lcov": "other.lcov"}, monkeypatch)
    row = next(f for f in run(repo.root)["files"] if f["file"] == "app/calc.py")
    assert row["missed_lines"] == [5, 10]


def test_absolute_report_paths_become_repo_relative(
    repo: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    measure(repo.root, call_add, {"json": "coverage.json"}, monkeypatch, cwd=elsewhere)
    assert any(Path(p).is_absolute() for p in json.loads((repo.root / "coverage.json").read_text())["files"])
    assert "app/calc.py" in {f["file"] for f in run(repo.root)["files"]}


def test_totals_sum_the_files(repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    measure(repo.root, call_add, {"json": "coverage.json"}, monkeypatch)
    totals = run(repo.root)["totals"]
    assert totals == {"files": 2, "measured": MEASURED, "covered": COVERED, "missed": 4, "percent": 50.0}


def test_files_outside_the_repository_are_skipped_with_a_problem(tmp_path: Path) -> None:
    (tmp_path / "lcov.info").write_text("SF:/somewhere/else/x.py\nDA:1,1\nend_of_record\n")
    doc = run(tmp_path)
    assert doc["files"] == []
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("lcov.info", "outside_root")]


def test_malformed_json_report_is_a_problem_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "coverage.json").write_text('{\n  "files": {\n    "a.py": [1,\n}\n')
    doc = run(tmp_path)
    assert [(p["file"], p["line"], p["code"]) for p in doc["problems"]] == [
        ("coverage.json", 4, "malformed_report")
    ]


def test_json_file_entry_without_lines_is_a_problem_at_that_entry(tmp_path: Path) -> None:
    (tmp_path / "coverage.json").write_text('{\n  "files": {\n    "a.py": {"executed_lines": "x"}\n  }\n}\n')
    problems = run(tmp_path)["problems"]
    assert [(p["line"], p["code"]) for p in problems] == [(3, "malformed_report")]


def test_malformed_xml_report_is_a_problem_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "coverage.xml").write_text('<?xml version="1.0" ?>\n<coverage>\n<packages>\n</coverage>\n')
    doc = run(tmp_path)
    assert [(p["file"], p["line"]) for p in doc["problems"]] == [("coverage.xml", 4)]


def test_xml_line_without_number_is_a_problem_at_that_element(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "coverage.xml").write_text(
        '<coverage>\n<packages><package><classes>\n<class filename="a.py">\n<lines>\n'
        '<line number="1" hits="1"/>\n<line hits="0"/>\n</lines></class>\n'
        '</classes></package></packages>\n</coverage>\n'
    )
    doc = run(tmp_path)
    assert [(p["line"], p["code"]) for p in doc["problems"]] == [(6, "malformed_report")]
    assert only_file(doc)["measured"] == 1


def test_xml_entity_declarations_are_refused(tmp_path: Path) -> None:
    (tmp_path / "coverage.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY a "aaaaaaaa">]>\n<coverage>&a;</coverage>\n'
    )
    doc = run(tmp_path)
    assert [p["code"] for p in doc["problems"]] == ["malformed_report"]
    assert "entity" in doc["problems"][0]["message"]


def test_bad_lcov_records_are_problems_with_their_lines(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\ny = 2\n")
    (tmp_path / "lcov.info").write_text("DA:1,1\nSF:a.py\nDA:1,1\nDA:two,0\nDA:2,0\nend_of_record\n")
    doc = run(tmp_path)
    assert [p["line"] for p in doc["problems"]] == [1, 4]
    assert (only_file(doc)["measured"], only_file(doc)["covered"]) == (2, 1)


def test_listed_report_that_is_missing_is_an_error(tmp_path: Path) -> None:
    missing = r"configured coverage report not found: build/coverage\.xml"
    with pytest.raises(ExtractorUsageError, match=missing):
        run(tmp_path, reports=["build/coverage.xml"])


def test_report_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "lcov.info").write_text("SF:a.py\nDA:1,1\nend_of_record\n")
    doc = run(tmp_path, max_report_bytes=10)
    assert [p["code"] for p in doc["problems"]] == ["too_large"]
    assert doc["files"] == []


def test_no_reports_gives_an_empty_document(tmp_path: Path) -> None:
    doc = run(tmp_path)
    assert (doc["reports"], doc["files"], doc["totals"]["percent"], doc["problems"]) == ([], [], None, [])


def test_baseline_gives_the_delta_of_the_total(repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    measure(repo.root, call_add, {"json": "coverage.json"}, monkeypatch)
    repo.write("coverage-baseline.json", '{"total_percent": 62.5}')
    baseline = run(repo.root, baseline="coverage-baseline.json")["baseline"]
    assert baseline == {"file": "coverage-baseline.json", "line": 1, "total_percent": 62.5, "delta": -12.5}


def test_malformed_baseline_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text('{"total": 3}')
    doc = run(tmp_path, baseline="b.json")
    assert doc["baseline"] is None
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("b.json", "bad_baseline")]


@pytest.fixture
def changed_repo(git_repo: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/calc.py", BASE_CALC)
    git_repo.write("README.md", "hello\n")
    base = git_repo.commit("base")
    git_repo.write("app/calc.py", HEAD_CALC)
    git_repo.write("README.md", "hello\nworld\n")
    git_repo.commit("head")
    measure(git_repo.root, call_add, {"json": "coverage.json"}, monkeypatch)
    return git_repo, base


def test_changed_line_coverage_counts_measured_added_lines_like_diff_cover(
    changed_repo: tuple[Any, str],
) -> None:
    repo, base = changed_repo
    changed = run(repo.root, base=base)["changed"]
    # Added lines 6-10 of calc.py; 7-10 are measured; only the def line 7 ran.
    assert [
        (f["file"], f["changed"], f["measured"], f["covered"], f["missed_lines"], f["percent"])
        for f in changed["files"]
    ] == [("app/calc.py", 5, 4, 1, [8, 9, 10], 25.0)]
    assert (changed["measured"], changed["covered"], changed["missed"], changed["percent"]) == (4, 1, 3, 25.0)
    assert changed["changed"] == 6


def test_changed_line_coverage_is_null_without_measurable_changed_lines(
    git_repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/calc.py", HEAD_CALC)
    base = git_repo.commit("base")
    git_repo.write("docs.md", "only docs\n")
    git_repo.commit("docs")
    measure(git_repo.root, call_add, {"json": "coverage.json"}, monkeypatch)
    changed = run(git_repo.root, base=base)["changed"]
    assert (changed["files"], changed["measured"], changed["percent"]) == ([], 0, None)


def test_without_base_there_is_no_changed_section(repo: Any) -> None:
    assert run(repo.root)["changed"] is None


def test_base_that_does_not_exist_raises_git_error(changed_repo: tuple[Any, str]) -> None:
    repo, _ = changed_repo
    with pytest.raises(gitrepo.GitError):
        run(repo.root, base="nope")


def test_not_a_git_repository_with_base_raises_git_error(tmp_path: Path) -> None:
    with pytest.raises(gitrepo.GitError):
        run(tmp_path, base="main")


def test_document_validates_against_the_schema(
    changed_repo: tuple[Any, str], validate_document: Callable[[dict[str, Any]], None]
) -> None:
    repo, base = changed_repo
    repo.write("baseline.json", '{"total_percent": 40}')
    repo.write("broken.lcov", "DA:1,1\n")
    doc = run(repo.root, base=base, baseline="baseline.json")
    assert doc["problems"] and doc["changed"] and doc["baseline"]
    validate_document(doc)
    validate_document(run(repo.root))


def test_output_is_byte_identical_across_runs(changed_repo: tuple[Any, str]) -> None:
    repo, base = changed_repo
    assert dumps(run(repo.root, base=base)) == dumps(run(repo.root, base=base))
