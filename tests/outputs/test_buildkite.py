"""The Buildkite annotation: Markdown body under the 1 MiB limit, and the command that posts it."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.outputs.base import OutputOptions
from sentinel.outputs.buildkite import BuildkiteOutputter, annotate_command, fit
from sentinel.runner.evaluate import Input, run_tests
from sentinel.runner.evaluate import TestOptions as RunOptions
from sentinel.runner.results import CheckResult, Location, Result
from tests.conftest import GitRepo

POLICY = """package main

deny contains {"msg": "pipe | in <b>message</b>", "_loc": {"file": "src/app.py", "line": 4},
               "rule": "arch.forbidden"} if {
	input.kind == "imports"
}
"""


def evaluate(folder: Path) -> list[CheckResult]:
    (folder / "policy.rego").write_text(POLICY, encoding="utf-8")
    options = RunOptions(policy=(str(folder / "policy.rego"),))
    return run_tests([], options, documents=[Input(name="imports.json", document={"kind": "imports"})])


def test_annotation_is_the_markdown_report_with_cells_escaped(tmp_path: Path) -> None:
    body = BuildkiteOutputter().render(evaluate(tmp_path), OutputOptions())
    assert body.startswith("# Sentinel policy report\n")
    assert "| `src/app.py:4` | `arch.forbidden` | pipe \\| in &lt;b&gt;message&lt;/b&gt; |" in body


def test_command_uses_error_style_with_failures(tmp_path: Path) -> None:
    command = annotate_command("out/annotation.md", evaluate(tmp_path))
    assert shlex.split(command) == ["buildkite-agent", "annotate", "--style", "error",
                                    "--context", "sentinel", "<", "out/annotation.md"]


def test_command_uses_warning_style_with_warnings_only() -> None:
    results = [CheckResult("a.json", "main", warnings=[Result("slow")])]
    assert "--style warning" in annotate_command("a.md", results)


def test_command_uses_success_style_on_a_clean_run() -> None:
    assert "--style success" in annotate_command("a.md", [CheckResult("a.json", "main", successes=2)])


def test_command_quotes_a_path_with_shell_characters() -> None:
    command = annotate_command("dir with space/$(rm -rf x).md", [])
    assert shlex.split(command)[-1] == "dir with space/$(rm -rf x).md"


def test_a_report_over_the_limit_is_cut_at_a_line_with_a_note() -> None:
    failures = [Result(f"finding number {n}", Location("a.py", n), {"rule": "r"}) for n in range(1, 400)]
    body = BuildkiteOutputter(limit=4096).render([CheckResult("a.json", "main", failures=failures)],
                                                 OutputOptions())
    assert len(body.encode()) <= 4096
    assert body.endswith("annotation limit; every finding is in the json output._\n")
    assert "| `a.py:1` |" in body


def test_fit_keeps_a_body_under_the_limit_unchanged() -> None:
    assert fit("short\n", 100) == "short\n"


def test_check_writes_the_annotation_and_prints_the_post_command(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("app/api.py", "import requests\n")
    git_repo.write("policy/p.rego", 'package main\n\ndeny contains "always" if { input.kind == "imports" }\n')
    git_repo.commit()
    monkeypatch.chdir(git_repo.root)
    result = CliRunner().invoke(main, ["check", "-k", "imports", "-p", "policy", "--no-library",
                                       "-o", "json", "-o", "buildkite=annotation.md"])
    assert result.exit_code == 1, result.output
    assert "always" in (git_repo.root / "annotation.md").read_text(encoding="utf-8")
    assert ("sentinel: post the Buildkite annotation with: buildkite-agent annotate --style error "
            "--context sentinel < annotation.md") in result.stderr
