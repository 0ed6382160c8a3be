"""PR-level rules: the PR template is completed, and code changes come with a complete spec."""

from __future__ import annotations

import json
from pathlib import Path

from sentinel.bot.pr_rules import ChangedFile, check_spec, check_template, sections
from sentinel.bot.settings import SpecRule, TemplateRule
from tests.bot.conftest import HEAD, Bot, result
from tests.conftest import GitRepo

TEMPLATE = """\
## Summary
<!-- What does this change do? -->

## Testing
- [ ] Unit tests added

```
## not a heading inside a fence
```
"""


def _rules(body: str) -> list[str]:
    _passed, found = check_template(body, TEMPLATE, TemplateRule(), "tpl.md")
    return [r.rule for r in found]


def test_sections_ignore_headings_inside_code_fences() -> None:
    assert [s.title for s in sections(TEMPLATE)] == ["Summary", "Testing"]


def test_a_completed_description_passes() -> None:
    assert _rules("## Summary\nAdds mean().\n\n## Testing\n- [x] Unit tests added\n") == []


def test_an_empty_description_is_one_finding() -> None:
    assert _rules("  <!-- -->  ") == ["pr.template.empty"]


def test_a_missing_section_is_reported() -> None:
    assert _rules("## Summary\nAdds mean().\n") == ["pr.template.missing_section"]


def test_a_section_left_as_the_template_text_is_reported() -> None:
    body = "## Summary\n<!-- What does this change do? -->\n\n## Testing\n- [ ] Unit tests added\n"
    assert _rules(body) == ["pr.template.unchanged_section", "pr.template.unchanged_section"]


def test_heading_level_and_case_do_not_matter() -> None:
    assert _rules("# summary\nAdds mean().\n### TESTING:\n- [x] Unit tests added\n") == []


def test_configured_required_sections_replace_the_templates() -> None:
    rule = TemplateRule(required_sections=["Risk"])
    _passed, found = check_template("## Summary\nx\n", TEMPLATE, rule, "tpl.md")
    assert [r.msg for r in found] == [
        "The pull request description is missing the section 'Risk' from the PR template."
    ]


SPEC = SpecRule(code_paths=["src/**"], spec_paths=["docs/spec/**"])


def test_code_without_a_spec_change_is_reported(tmp_path: Path) -> None:
    _passed, found = check_spec([ChangedFile("src/a.py")], tmp_path, SPEC)
    assert [r.rule for r in found] == ["pr.spec.missing"]


def test_a_spec_without_required_sections_is_reported_at_the_document(tmp_path: Path) -> None:
    (tmp_path / "docs/spec").mkdir(parents=True)
    (tmp_path / "docs/spec/mean.md").write_text("# Mean\n\n## Acceptance criteria\n- works\n")
    _passed, found = check_spec([ChangedFile("src/a.py"), ChangedFile("docs/spec/mean.md")], tmp_path, SPEC)
    assert [(r.rule, r.loc.file if r.loc else None) for r in found] == [
        ("pr.spec.missing_section", "docs/spec/mean.md")
    ]
    assert "invariants?" in found[0].msg


def test_a_complete_spec_with_code_passes(tmp_path: Path) -> None:
    (tmp_path / "docs/spec").mkdir(parents=True)
    (tmp_path / "docs/spec/mean.md").write_text("# Mean\n## Acceptance Criteria\nx\n## Invariants\ny\n")
    _passed, found = check_spec([ChangedFile("src/a.py"), ChangedFile("docs/spec/mean.md")], tmp_path, SPEC)
    assert found == []


def test_a_deleted_spec_does_not_count_as_a_spec_change(tmp_path: Path) -> None:
    _passed, found = check_spec(
        [ChangedFile("src/a.py"), ChangedFile("docs/spec/old.md", deleted=True)], tmp_path, SPEC
    )
    assert [r.rule for r in found] == ["pr.spec.missing"]


def test_pr_rules_use_the_description_from_github_and_the_diff_from_git(git_repo: GitRepo, bot: Bot) -> None:
    git_repo.write(".github/pull_request_template.md", TEMPLATE)
    git_repo.write("src/a.py", "x = 1\n")
    base = git_repo.commit("base")
    git_repo.write("src/a.py", "x = 2\n")
    head = git_repo.commit("change code only")
    bot.root = git_repo.root
    bot.configure(spec={"code_paths": ["src/**"], "spec_paths": ["docs/spec/**"]})
    bot.server.add_pull(7, head, base, body="## Summary\nChanges x.\n")
    outcome = bot.run("pr-rules", "--pr", "7")
    assert outcome.exit_code == 1
    rules = [f["metadata"]["rule"] for r in json.loads(outcome.stdout) for f in r["failures"]]
    assert rules == ["pr.template.missing_section", "pr.spec.missing"]
    assert [r.operation for r in bot.server.requests] == ["pulls/get"]


def test_pr_rule_findings_reach_the_comment_and_the_gate(bot: Bot) -> None:
    bot.write(".github/pull_request_template.md", TEMPLATE)
    bot.server.add_pull(7, HEAD, "b" * 40, body="")
    path = bot.results([result()])
    outcome = bot.run("gate", "--post", "--results", str(path), "--pr", "7")
    assert outcome.exit_code == 1
    assert "pr.template.empty" in bot.server.comments_on(7)[0]["body"]
    assert bot.server.labels_on(7) == ["sentinel-block"]


def test_the_spec_rule_asks_github_for_the_files_without_a_local_base(bot: Bot) -> None:
    bot.configure(spec={"code_paths": ["src/**"], "spec_paths": ["docs/spec/**"]}, pr_template=False)
    bot.server.add_pull(7, HEAD, "b" * 40, files=[("src/a.py", "modified")])
    outcome = bot.run("gate", "--results", str(bot.results([result()])), "--pr", "7")
    assert outcome.exit_code == 1
    assert "pr.spec.missing" in outcome.stdout
    assert [r.operation for r in bot.server.requests] == ["pulls/get", "pulls/list-files"]
