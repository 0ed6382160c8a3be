"""The pull request's diff as GitHub lists it (per-file patches), and the filter modes over it."""

from __future__ import annotations

from sentinel.bot.diff_filter import PullDiff, apply, from_pull_files
from sentinel.bot.findings import Finding
from sentinel.bot.github_port import PullFile
from tests.bot.conftest import Bot, failure, result
from testsupport.github_server import FakeGitHub

# GitHub's `patch`: hunks with three lines of context; line 12 is new, 13 replaces an old line.
PATCH = """@@ -9,7 +9,8 @@ def f():
 a = 1
 b = 2
 c = 3
+d = 4
-e = 5
+e = 50
 f = 6
 g = 7
 h = 8"""


def _finding(file: str, line: int | None) -> Finding:
    return Finding("demo.rule", "demo", "error", "msg", True, file, line)


def test_github_patches_give_added_and_context_lines() -> None:
    diff = from_pull_files([PullFile("app.py", "modified", PATCH)])
    lines = diff.files["app.py"]
    assert lines.added == {12, 13}
    assert lines.context == set(range(9, 17))


def test_a_file_without_a_patch_counts_as_changed_everywhere() -> None:
    diff = from_pull_files([PullFile("big.bin", "modified", None), PullFile("gone.py", "removed", None)])
    assert diff.keeps(_finding("big.bin", 400), "added")
    assert not diff.keeps(_finding("gone.py", 1), "file")


def test_apply_counts_what_it_leaves_out() -> None:
    diff = from_pull_files([PullFile("app.py", "modified", PATCH)])
    findings = [_finding("app.py", 12), _finding("app.py", 10), _finding("app.py", 40), _finding("x.py", 1)]
    assert apply(findings, "added", diff) == (findings[:1], 3)
    assert apply(findings, "diff_context", diff) == (findings[:2], 2)
    assert apply(findings, "file", diff) == (findings[:3], 1)
    assert apply(findings, "nofilter", diff) == (findings, 0)
    assert apply(findings, "added", None) == (findings, 0)


def test_a_finding_without_a_line_is_kept_when_its_file_changed() -> None:
    diff = PullDiff(from_pull_files([PullFile("app.py", "modified", PATCH)]).files)
    assert diff.keeps(_finding("app.py", None), "added")
    assert not diff.keeps(_finding("x.py", None), "added")


def test_without_a_local_base_the_bot_filters_by_the_files_github_lists(bot: Bot, github: FakeGitHub) -> None:
    github.add_pull(7, "a" * 40, "b" * 40, files=[("src/app.py", "modified")])
    bot.results(
        [
            result(
                [
                    failure("kept", "demo.kept", "src/app.py", 3),
                    failure("left out", "demo.out", "other.py", 1),
                ]
            )
        ]
    )
    outcome = bot.run("gate", "--results", "results.json", "--pr", "7", "--no-pr-rules")
    assert outcome.exit_code == 1
    assert "kept" in outcome.stdout and "left out" not in outcome.stdout
    assert "1 finding outside the pull request's diff left out (filter mode added)" in outcome.stderr
