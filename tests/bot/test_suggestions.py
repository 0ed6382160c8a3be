"""Suggested changes: only for rules whose fix is mechanical and safe, and right when applied.

The end-to-end test removes a field from a real .proto file in a real git repository, runs
`sentinel check` (the shipped rule library) and `sentinel comment` against the local GitHub, then
applies the suggestion from the posted review comment the way GitHub's "Commit suggestion" does
(the commented line replaced by the block's lines) and checks again: the finding is gone.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from sentinel.bot.findings import Finding, collect, load_results
from sentinel.bot.fork import workflow_commands
from sentinel.bot.review import comment_body, resolved_body
from sentinel.bot.suggestions import WorkTree, block, reserve_removed_field, suggest
from tests.bot.conftest import Bot
from tests.conftest import GitRepo
from testsupport.comment_page import element_texts, markdown_to_html, start_tags
from testsupport.github_server import FakeGitHub

RULE = "protocol.field_removed_without_reserve"
MESSAGE = (
    "field acme.v1.User.email (number 3) was removed without reserving its number and name. "
    'Add to message acme.v1.User: reserved 3; reserved "email";'
)
HEADER = 'syntax = "proto3";\n\npackage acme.v1;\n\n'
BASE_PROTO = HEADER + "message User {\n  string id = 1;\n  string name = 2;\n  string email = 3;\n}\n"
HEAD_PROTO = HEADER + "message User {\n  string id = 1;\n  string name = 2;\n}\n"


def _finding(message: str = MESSAGE, rule: str = RULE) -> Finding:
    return Finding(rule, "protocol", "high", message, True, "api/user.proto", 5, fix="Reserve them.")


def test_a_removed_field_gets_its_reserved_statements_under_the_message_line() -> None:
    assert reserve_removed_field(_finding(), "message User {") == [
        "message User {",
        "  reserved 3;",
        '  reserved "email";',
    ]


def test_a_nested_message_keeps_its_indentation() -> None:
    finding = _finding(MESSAGE.replace("acme.v1.User:", "acme.v1.Outer.User:"))
    assert reserve_removed_field(finding, "    message User { // the user") == [
        "    message User { // the user",
        "      reserved 3;",
        '      reserved "email";',
    ]


def test_no_suggestion_when_the_line_is_not_that_messages_opening_line() -> None:
    assert reserve_removed_field(_finding(), "message Account {") is None
    assert reserve_removed_field(_finding(), "message User { string id = 1; }") is None
    assert reserve_removed_field(_finding(), "  string id = 1;") is None


def test_no_suggestion_when_the_message_holds_anything_but_plain_statements() -> None:
    tampered = MESSAGE.replace('reserved "email";', 'reserved "email"; option x = 1;')
    assert reserve_removed_field(_finding(tampered), "message User {") is None
    injected = MESSAGE.replace('"email"', '"em\\nail"')
    assert reserve_removed_field(_finding(injected), "message User {") is None


def test_rules_that_need_judgement_get_no_suggestion() -> None:
    for rule in ("security.secret_in_code", "technical_debt.marker_without_ticket", "testing.async_sleep"):
        assert suggest(_finding(rule=rule), lambda path, line: "message User {") is None


def test_on_a_fork_the_annotation_carries_the_suggested_change() -> None:
    suggestion = reserve_removed_field(_finding(), "message User {")
    assert suggestion is not None
    (line,) = workflow_commands([_finding()], {_finding(): suggestion})
    assert line.startswith(f"::error file=api/user.proto,line=5,title={RULE} (high)::")
    assert line.endswith(
        'Suggested change (replaces this line):%0Amessage User {%0A  reserved 3;%0A  reserved "email";'
    )


def test_a_resolved_comment_keeps_its_finding_but_no_suggestion_to_apply() -> None:
    body = comment_body(_finding(), "AbCdE", "", reserve_removed_field(_finding(), "message User {"))
    resolved = resolved_body(body, "f" * 40)
    assert resolved.startswith("<!-- sentinel:review:v1:AbCdE -->\n<!-- sentinel:review:fixed -->\n")
    assert "Resolved in fffffff" in resolved
    assert "was removed without reserving" in resolved
    assert "suggestion" not in resolved


def test_the_fence_outgrows_backticks_in_the_lines() -> None:
    assert block(["a ``` b"]) == "````suggestion\na ``` b\n````"


def test_the_work_tree_reads_no_path_that_escapes_or_is_a_link(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "secret.txt").write_text("message User {\n")
    (tmp_path / "repo" / "ok.proto").write_text("message User {\n")
    os.symlink(tmp_path / "secret.txt", tmp_path / "repo" / "link.proto")
    lines = WorkTree(tmp_path / "repo")
    assert lines("ok.proto", 1) == "message User {"
    assert lines("../secret.txt", 1) is None
    assert lines(str(tmp_path / "secret.txt"), 1) is None
    assert lines("link.proto", 1) is None
    assert lines("ok.proto", 2) is None


def test_the_comment_reads_as_its_finding_and_shows_the_suggestion_as_code() -> None:
    suggestion = reserve_removed_field(_finding(), "message User {")
    body = comment_body(_finding(), "AbCdE", "", suggestion)
    page = markdown_to_html(body)
    assert "<!-- sentinel:review:v1:AbCdE -->" in body
    assert start_tags(page).count("a") == 0
    (fenced,) = re.findall(r'<code class="language-suggestion">(.*?)</code>', page, re.S)
    assert fenced == "message User {\n  reserved 3;\n  reserved &quot;email&quot;;\n"
    (rule,) = [t for t in element_texts(page, "code") if t == RULE]
    assert rule
    assert "\\" not in "".join(element_texts(page, "p"))


def test_applying_the_posted_suggestion_fixes_the_finding(git_repo: GitRepo, github: FakeGitHub) -> None:
    config = {
        "extract": {"kinds": ["proto"]},
        "bot": {
            "filter_mode": "diff_context",
            "review_comments": "diff_context",
            "api": {"seconds_between_writes": 0},
        },
    }
    git_repo.write("conftest.yml", yaml.safe_dump(config))
    git_repo.write(".gitignore", ".sentinel/\nresults.json\n")
    git_repo.write("api/user.proto", BASE_PROTO)
    base = git_repo.commit("base")
    git_repo.write("api/user.proto", HEAD_PROTO)
    head = git_repo.commit("remove User.email")
    patch = git_repo.repo.git.diff(base, head, "--", "api/user.proto").split("\n", 4)[4]
    github.add_pull(7, head, base, patches={"api/user.proto": patch})
    bot = Bot(github, git_repo.root)

    checked = bot.run("check", "--base", base, "--results-file", "results.json", token=False)
    assert checked.exit_code == 1, checked.stderr
    posted = bot.run("comment", "--results", "results.json", "--pr", "7", "--base", base)
    assert posted.exit_code == 0, posted.stderr

    (comment,) = github.review_comments_on(7)
    assert (comment["path"], comment["line"]) == ("api/user.proto", 5)
    (suggested,) = re.findall(r"```suggestion\n(.*?)\n```", comment["body"], re.S)
    lines = HEAD_PROTO.split("\n")
    lines[comment["line"] - 1 : comment["line"]] = suggested.split("\n")
    git_repo.write("api/user.proto", "\n".join(lines))
    git_repo.commit("apply the suggestion")

    again = bot.run("check", "--base", base, "--results-file", "results.json", token=False)
    assert again.exit_code == 0, again.stdout
    assert [f.rule for f in collect(load_results(git_repo.root / "results.json"))] == []
    assert 'reserved "email";' in (git_repo.root / "api/user.proto").read_text()
