"""``coverage`` kind: line coverage per file from existing reports, and changed-line coverage.

Options (``extract.options.coverage`` in conftest.yml):

- ``reports`` (list of repo-relative paths; default: whichever of ``coverage.json``,
  ``coverage.xml``, ``lcov.info``, ``coverage/lcov.info`` and ``*.lcov`` exist at the root). The
  format is chosen by suffix (``.json`` coverage.py JSON, ``.xml`` Cobertura, ``.info``/``.lcov``
  LCOV), else by the first character. A listed report that is missing is an error (exit 2).
- ``baseline`` (repo-relative path or null, default null): a JSON file ``{"total_percent": x}``;
  the document then carries the baseline and the delta of the total against it.
- ``max_report_bytes`` (int, default 200_000_000): larger reports are skipped with a problem.

Reports are merged: a line is measured if any report measured it and covered if any report
covered it. Report paths are made repo-relative (absolute paths under the root, paths relative to
the root, to the report's folder or to a Cobertura ``<source>``); files outside the repository are
skipped with one problem per report. Percentages are line coverage (branches are not counted),
rounded to two decimals, null when nothing was measured. With a base revision, ``changed`` holds
diff-cover's changed-line coverage (see ``extractors.coverage.diff``).
"""

from __future__ import annotations

import json
import os.path
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from sentinel.extractors import changes, gitrepo
from sentinel.extractors.base import ExtractContext, PerFile, deepest_line, document, problem
from sentinel.extractors.coverage import cobertura, coverage_py, lcov
from sentinel.extractors.coverage.diff import changed_coverage
from sentinel.extractors.coverage.model import FileLines, ParsedReport, percent
from sentinel.extractors.errors import ExtractorUsageError

KIND = "coverage"
DEFAULT_REPORTS = ("coverage.json", "coverage.xml", "lcov.info", "coverage/lcov.info")
DEFAULT_MAX_REPORT_BYTES = 200_000_000
FORMATS = {".json": "coverage.py", ".xml": "cobertura", ".info": "lcov", ".lcov": "lcov"}
# Problem codes the coverage schema knows; what else goes wrong with a report is malformed_report.
_PROBLEM_CODES = frozenset({"malformed_report", "missing_report", "too_large", "unreadable", "outside_root",
                            "bad_baseline", "timeout"})


def extract(ctx: ExtractContext) -> dict[str, Any]:
    reports, explicit = _report_paths(ctx)
    max_bytes = ctx.options.get("max_report_bytes", DEFAULT_MAX_REPORT_BYTES)
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
        raise ExtractorUsageError("coverage option 'max_report_bytes' must be a positive integer")
    if explicit:
        # A configured report that is not there means the tests did not run or wrote elsewhere:
        # an error (exit 2), never a coverage check that silently saw nothing.
        missing = [rel for rel in reports if not os.path.lexists(ctx.path(rel))]
        if missing:
            raise ExtractorUsageError(
                f"configured coverage report not found: {', '.join(missing)} "
                "(run the tests with coverage first, or fix extract.options.coverage.reports)"
            )
    problems: list[dict[str, Any]] = []
    merged: dict[str, FileLines] = {}
    sources: dict[str, set[str]] = {}
    report_rows = []
    load = PerFile(partial(_load_report, ctx.root, max_bytes, explicit), str, _report_failed,
                   ctx.file_timeout_ms)
    for rel in reports:
        row, found, more = load(rel)
        problems += more
        for path, lines in found.items():
            merged.setdefault(path, FileLines()).merge(lines)
            sources.setdefault(path, set()).add(rel)
        if row is not None:
            report_rows.append(row)

    files = [_file_row(path, lines, sorted(sources[path])) for path, lines in sorted(merged.items())]
    totals = _totals(files)

    base_sha: str | None = None
    changed: dict[str, Any] | None = None
    if ctx.base is not None:
        base_sha = gitrepo.resolve(ctx.root, ctx.base)
        merge_base = gitrepo.merge_base(ctx.root, base_sha)
        changed = changed_coverage(merged, changes.added_lines(ctx.root, base_sha, merge_base_sha=merge_base))
        changed["merge_base"] = merge_base

    baseline, baseline_problem = _baseline(ctx, totals["percent"])
    if baseline_problem is not None:
        problems.append(baseline_problem)
    return document(
        ctx,
        KIND,
        reports=report_rows,
        files=files,
        totals=totals,
        base=base_sha,
        changed=changed,
        baseline=baseline,
        problems=problems,
    )


_Loaded = tuple[dict[str, Any] | None, dict[str, FileLines], list[dict[str, Any]]]


def _load_report(root: Path, max_bytes: int, explicit: bool, rel: str) -> _Loaded:
    """One report: its row, its lines by repo-relative path, and its problems."""
    problems: list[dict[str, Any]] = []
    parsed, fmt, read_problem = _read_report(root, rel, max_bytes, explicit)
    if read_problem is not None:
        problems.append(read_problem)
    if parsed is None:
        return None, {}, problems
    problems += parsed.problems
    found: dict[str, FileLines] = {}
    outside: list[str] = []
    for raw_path, lines in parsed.files.items():
        path = _repo_path(root, raw_path, rel, parsed.sources)
        if path is None:
            outside.append(raw_path)
            continue
        found.setdefault(path, FileLines()).merge(lines)
    if outside:
        problems.append(
            problem(
                rel,
                f"{len(outside)} file(s) outside the repository skipped, e.g. {min(outside)[:200]}",
                line=1,
                code="outside_root",
            )
        )
    row = {"file": rel, "line": 1, "format": fmt, "files": len(parsed.files) - len(outside)}
    return row, found, problems


def _report_failed(rel: str, prob: dict[str, Any]) -> _Loaded:
    if prob["code"] not in _PROBLEM_CODES:
        prob = {**prob, "code": "malformed_report"}
    return None, {}, [prob]


def _report_paths(ctx: ExtractContext) -> tuple[list[str], bool]:
    value = ctx.options.get("reports")
    if value is None:
        found = [p for p in DEFAULT_REPORTS if (ctx.root / p).is_file()]
        found += sorted(p.name for p in ctx.root.glob("*.lcov") if p.is_file())
        return found, False
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ExtractorUsageError("coverage option 'reports' must be a list of paths")
    return [PurePosixPath(v.replace("\\", "/")).as_posix() for v in value], True


def _read_report(
    root: Path,
    rel: str,
    max_bytes: int,
    explicit: bool,
) -> tuple[ParsedReport | None, str | None, dict[str, Any] | None]:
    path = root / rel
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return (
                None,
                None,
                problem(
                    rel, f"report is {size} bytes, over the {max_bytes}-byte limit; skipped", code="too_large"
                ),
            )
        data = path.read_bytes()
    except FileNotFoundError:
        return (
            None,
            None,
            problem(rel, "coverage report not found", code="missing_report") if explicit else None,
        )
    except OSError as exc:
        return None, None, problem(rel, f"cannot read report: {exc.strerror or exc}", code="unreadable")
    fmt = FORMATS.get(PurePosixPath(rel).suffix.lower()) or _sniff(data)
    if fmt == "cobertura":
        return cobertura.parse(data, rel), fmt, None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return (
            None,
            fmt,
            problem(rel, f"not valid UTF-8 at byte {exc.start}", line=line, code="malformed_report"),
        )
    if fmt == "coverage.py":
        return coverage_py.parse(text, rel), fmt, None
    return lcov.parse(text, rel), fmt, None


def _sniff(data: bytes) -> str:
    head = data.lstrip()[:1]
    return {b"{": "coverage.py", b"<": "cobertura"}.get(head, "lcov")


def _repo_path(root: Path, raw: str, report: str, sources: list[str]) -> str | None:
    """A report's file path as a repo-relative POSIX path, or None when it is outside the root."""
    root_abs = root.resolve()
    raw = raw.replace("\\", "/")
    candidates: list[Path] = []
    given = Path(raw)
    if given.is_absolute():
        candidates.append(given)
    else:
        candidates += [Path(s) / raw for s in sources]
        candidates += [root_abs / raw, root_abs / PurePosixPath(report).parent / raw]
    inside: list[str] = []
    for cand in candidates:
        cand = cand if cand.is_absolute() else root_abs / cand
        try:
            rel = Path(_normpath(cand)).relative_to(root_abs).as_posix()
        except ValueError:
            continue
        if _is_file(root_abs / rel):
            return rel
        inside.append(rel)
    return inside[0] if inside else None


def _is_file(path: Path) -> bool:
    """``path.is_file()``, false for a path the system refuses (a component over 255 bytes)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _normpath(path: Path) -> str:
    return os.path.normpath(str(path))


def _file_row(path: str, lines: FileLines, reports: list[str]) -> dict[str, Any]:
    covered = lines.covered & lines.measured
    missed = sorted(lines.measured - covered)
    return {
        "file": path,
        "line": missed[0] if missed else 1,
        "measured": len(lines.measured),
        "covered": len(covered),
        "missed": len(missed),
        "percent": percent(len(covered), len(lines.measured)),
        "missed_lines": missed,
        "reports": reports,
    }


def _totals(files: list[dict[str, Any]]) -> dict[str, Any]:
    measured = sum(f["measured"] for f in files)
    covered = sum(f["covered"] for f in files)
    return {
        "files": len(files),
        "measured": measured,
        "covered": covered,
        "missed": measured - covered,
        "percent": percent(covered, measured),
    }


def _baseline(
    ctx: ExtractContext, total: float | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    rel = ctx.options.get("baseline")
    if rel is None:
        return None, None
    if not isinstance(rel, str):
        raise ExtractorUsageError("coverage option 'baseline' must be a path")
    try:
        text = (ctx.root / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, problem(rel, f"cannot read coverage baseline: {exc}", code="bad_baseline")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, problem(rel, f"invalid JSON: {exc.msg}", line=exc.lineno, code="bad_baseline")
    except RecursionError:
        line = deepest_line(text)
        return None, problem(rel, "JSON nested too deeply to read", line=line, code="bad_baseline")
    value = data.get("total_percent") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, problem(rel, 'baseline needs a number "total_percent"', line=1, code="bad_baseline")
    delta = round(total - float(value), 2) if total is not None else None
    return {"file": rel, "line": 1, "total_percent": float(value), "delta": delta}, None
