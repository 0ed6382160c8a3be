"""The real conftest and ``sentinel test``/``verify`` side by side on the corpus in corpus/<case>/.

Each case folder holds policies, inputs and a ``case.yml``: ``args`` (the command line without
``--output``), optional ``formats``, ``stdin`` (a file fed to standard input),
``compare_output: false`` (error cases: exit codes only), ``sentinel_args`` (added to Sentinel's
command line only), ``regorus_gap`` (a builtin regorus lacks: the case runs with ``--engine opa``
and the regorus adapter must refuse it, exit 2 naming the builtin) and ``xfail`` (check name ->
reason: a known difference, strict so that it flips when fixed), ``engines: false`` (no policy
evaluation, e.g. ``reformat``: no engine check), ``writes`` (files the command writes into the
folder given as ``{out}``, compared byte for byte; ``sentinel_command`` names Sentinel's command
when it differs from conftest's) and ``multi_output`` (formats Sentinel gives in one run, the first
on stdout, the others as ``-o FORMAT=PATH`` files, each compared with conftest's run in that
format). Checks:
- per output format: the same exit code (conftest exits 1 on errors where Sentinel exits 2) and
  the same output (JSON compared as data, every other format as text);
- ``engines``: Sentinel's regorus and OPA adapters give the same exit code and JSON results.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sentinel.cli import main
from tests.parity.conftest import locate

CORPUS = Path(__file__).resolve().parent / "corpus"
TEST_FORMATS = ("stdout", "json", "tap", "table", "junit", "github")
# The one documented difference in text: JUnit's version property names our tool, not Go.
TAP_NUMBER = re.compile(r"^((?:not )?ok) \d+ ", re.MULTILINE)
JUNIT_VERSION = re.compile(r'<property name="(?:go|sentinel)\.version" value="[^"]*"></property>')


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def load_case(name: str) -> dict[str, Any]:
    spec = yaml.safe_load((CORPUS / name / "case.yml").read_text())
    assert isinstance(spec, dict) and isinstance(spec.get("args"), list), f"{name}/case.yml needs args"
    return spec


def _params() -> tuple[list[Any], list[Any], list[Any]]:
    outputs, engines, writers = [], [], []
    for case_dir in sorted(p for p in CORPUS.iterdir() if (p / "case.yml").is_file()):
        spec = load_case(case_dir.name)
        xfail = spec.get("xfail") or {}
        if spec.get("writes") or spec.get("multi_output"):
            writers.append(pytest.param(case_dir.name, id=case_dir.name))
            continue
        for fmt in spec.get("formats") or TEST_FORMATS:
            marks = [pytest.mark.xfail(strict=True, reason=xfail[fmt])] if fmt in xfail else []
            outputs.append(pytest.param(case_dir.name, fmt, id=f"{case_dir.name}-{fmt}", marks=marks))
        if spec.get("engines", True) is False:
            continue
        marks = [pytest.mark.xfail(strict=True, reason=xfail["engines"])] if "engines" in xfail else []
        engines.append(pytest.param(case_dir.name, id=case_dir.name, marks=marks))
    return outputs, engines, writers


OUTPUT_CASES, ENGINE_CASES, WRITE_CASES = _params()


def _stdin(name: str, spec: dict[str, Any]) -> str | None:
    return (CORPUS / name / spec["stdin"]).read_text() if spec.get("stdin") else None


def run_conftest(conftest: str, name: str, args: list[str], stdin: str | None) -> Run:
    proc = subprocess.run(
        [conftest, *args],
        cwd=CORPUS / name,
        input=stdin or "",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_sentinel(monkeypatch: pytest.MonkeyPatch, name: str, args: list[str], stdin: str | None) -> Run:
    monkeypatch.chdir(CORPUS / name)
    # color=True: conftest colours its text even when stdout is not a terminal.
    result = CliRunner().invoke(main, args, input=stdin, catch_exceptions=False, color=True)
    return Run(result.exit_code, result.stdout, result.stderr)


def assert_same_exit(ours: Run, theirs: Run) -> None:
    detail = f"sentinel stderr: {ours.stderr!r}\nconftest stderr: {theirs.stderr!r}"
    if ours.code == 2:
        assert theirs.code == 1, f"sentinel exited 2 (error), conftest {theirs.code}\n{detail}"
    else:
        assert ours.code == theirs.code, f"sentinel exited {ours.code}, conftest {theirs.code}\n{detail}"


@pytest.mark.parametrize(("name", "fmt"), OUTPUT_CASES)
def test_sentinel_matches_conftest(
    name: str, fmt: str, conftest_bin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load_case(name)
    args = [*spec["args"], "--output", fmt]
    theirs = run_conftest(conftest_bin, name, args, _stdin(name, spec))
    if spec.get("sentinel_args"):
        monkeypatch.setenv("SENTINEL_OPA", locate("opa"))
    ours = run_sentinel(monkeypatch, name, [*args, *spec.get("sentinel_args", [])], _stdin(name, spec))
    assert_same_exit(ours, theirs)
    if spec.get("compare_output", True) is False:
        return
    assert canonical(fmt, ours.stdout) == canonical(fmt, theirs.stdout)


@pytest.mark.parametrize("name", WRITE_CASES)
def test_written_files_match_conftest(
    name: str, conftest_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commands that write files (``doc``): ``{out}`` in args is a fresh folder per tool, and the
    files listed in ``writes`` must be byte-identical."""
    spec = load_case(name)
    if spec.get("multi_output"):
        _check_multi_output(name, spec, conftest_bin, tmp_path, monkeypatch)
        return
    outs = {tool: tmp_path / tool for tool in ("conftest", "sentinel")}
    for out in outs.values():
        out.mkdir()

    def args(tool: str) -> list[str]:
        return [str(outs[tool]) if a == "{out}" else a for a in spec["args"]]

    theirs = run_conftest(conftest_bin, name, args("conftest"), _stdin(name, spec))
    ours_args = args("sentinel")
    if spec.get("sentinel_command"):
        ours_args[0] = spec["sentinel_command"]
    ours = run_sentinel(monkeypatch, name, ours_args, _stdin(name, spec))
    assert_same_exit(ours, theirs)
    for written in spec["writes"]:
        assert (outs["sentinel"] / written).read_bytes() == (outs["conftest"] / written).read_bytes()


def _check_multi_output(
    name: str, spec: dict[str, Any], conftest: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``multi_output``: Sentinel prints the first format and writes the others as FORMAT=PATH in
    one run; conftest runs once per format. The stdout format of a file is rendered uncoloured."""
    first, *rest = spec["multi_output"]
    files = {fmt: tmp_path / f"out.{fmt}" for fmt in rest}
    args = [*spec["args"], "-o", first, *(a for fmt in rest for a in ("-o", f"{fmt}={files[fmt]}"))]
    ours = run_sentinel(monkeypatch, name, args, _stdin(name, spec))
    for fmt in spec["multi_output"]:
        extra = ["--no-color"] if fmt in files and fmt == "stdout" else []
        theirs = run_conftest(conftest, name, [*spec["args"], "--output", fmt, *extra], _stdin(name, spec))
        assert_same_exit(ours, theirs)
        text = files[fmt].read_text(encoding="utf-8") if fmt in files else ours.stdout
        assert canonical(fmt, text) == canonical(fmt, theirs.stdout), fmt


def canonical(fmt: str, text: str) -> Any:
    """Output with conftest's nondeterminism taken out.

    conftest walks inputs and namespaces through Go maps, so the order of (file, namespace)
    blocks changes from run to run (and verify's per-test blocks come in OPA's tester order):
    JSON blocks are sorted by file, namespace and content, text is compared
    as a sorted list of lines (TAP without its running test numbers, its plan lines kept).
    """
    if fmt == "json":
        # verify's per-test results share file and namespace and come in OPA's tester order.
        return sorted(
            json.loads(text) or [],
            key=lambda r: (r.get("filename", ""), r.get("namespace", ""), json.dumps(r, sort_keys=True)),
        )
    if fmt == "junit":
        text = JUNIT_VERSION.sub("VERSION", text)
    if fmt == "tap":
        text = TAP_NUMBER.sub(r"\1", text)
    return sorted(text.splitlines())


@pytest.mark.parametrize("name", ENGINE_CASES)
def test_regorus_and_opa_adapters_agree(name: str, opa_bin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_case(name)
    monkeypatch.setenv("SENTINEL_OPA", opa_bin)
    runs = {
        engine: run_sentinel(
            monkeypatch, name, [*spec["args"], "-o", "json", "--engine", engine], _stdin(name, spec)
        )
        for engine in ("regorus", "opa")
    }
    if spec.get("regorus_gap"):
        assert runs["regorus"].code == 2 and spec["regorus_gap"] in runs["regorus"].stderr, runs
        assert runs["opa"].code in (0, 1), runs
        return
    assert runs["regorus"].code == runs["opa"].code, runs
    if runs["regorus"].code != 2:
        assert json.loads(runs["regorus"].stdout) == json.loads(runs["opa"].stdout)
