"""The sticky comment a reader reads: a screenful whatever the number of findings.

The verdict and counts, what changed since the last run (from the fingerprints the previous
comment carries), at most 20 findings on one line each with a link to the file and line at
the head commit, and links to the check run and the full report. Checked on the comment's
Markdown rendered by markdown-it-py (testsupport.comment_page), and across runs against the
local GitHub server.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sentinel.bot.context import GitHubContext
from sentinel.bot.diff_filter import FileLines, PullDiff
from sentinel.bot.findings import Finding
from sentinel.bot.render import Renderer
from sentinel.bot.settings import BotSettings
from tests.bot.conftest import HEAD, Bot, failure, result
from testsupport.comment_page import comment_html, element_texts, page_text

SHA = "c" * 40
CONTEXT = GitHubContext(repository="octo/widgets", pr_number=7, head_sha=SHA, run_id="99")
BLOB = f"https://github.com/octo/widgets/blob/{SHA}/"
SEVERITIES = ("critical", "high", "error", "medium", "warning", "low")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs.extend(value or "" for name, value in attrs if tag == "a" and name == "href")


def hrefs(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return parser.hrefs


def many(count: int) -> list[Finding]:
    """A realistic spread: every third finding blocking, six severities, messages quoting code."""
    return [
        Finding(
            f"architecture.rule_{i % 9}",
            ("architecture", "protocol", "testing")[i % 3],
            SEVERITIES[i % len(SEVERITIES)],
            f"module `app.m{i}` imports `adapters.db` <directly>; route it through a port",
            i % 3 == 0,
            f"src/app/m{i % 40}.py",
            i + 1,
        )
        for i in range(count)
    ]


def render(findings: list[Finding], previous: str | None = None) -> str:
    return Renderer(BotSettings(), CONTEXT).comment(findings, previous)


def test_500_findings_fit_in_10000_characters_with_20_one_line_findings() -> None:
    body = render(many(500))
    page = comment_html(body)
    assert len(body) <= 10_000
    items = element_texts(page, "li")
    assert len(items) == 20
    assert "480 more findings not listed." in page_text(page)
    assert all(
        re.fullmatch(r"architecture\.rule_\d · \w+ · (blocking · )?src/app/m\d+\.py:\d+: .+", i)
        for i in items
    )


def test_the_listed_findings_are_blocking_first_then_by_severity() -> None:
    findings = many(60)
    items = element_texts(comment_html(render(findings)), "li")
    severity = [item.split(" · ")[1] for item in items]
    blocking = ["· blocking ·" in item for item in items]
    assert blocking == sorted(blocking, reverse=True)
    ranks = [SEVERITIES.index(s) for s, b in zip(severity, blocking, strict=True) if b]
    assert ranks == sorted(ranks)
    assert ranks[0] == 0


def test_each_listed_finding_links_to_its_file_and_line_at_the_head_commit() -> None:
    findings = many(5)
    links = [h for h in hrefs(comment_html(render(findings))) if h.startswith(BLOB)]
    assert sorted(links) == sorted(f"{BLOB}{f.file}#L{f.line}" for f in findings)


def test_the_comment_links_the_check_run_and_the_full_report() -> None:
    links = hrefs(comment_html(render(many(30))))
    assert "https://github.com/octo/widgets/pull/7/checks" in links
    assert "https://github.com/octo/widgets/actions/runs/99" in links


def test_code_spans_in_messages_render_as_code_not_as_escaped_backticks() -> None:
    page = comment_html(render(many(1)))
    codes = element_texts(page, "code")
    start = codes.index("architecture.rule_0")
    assert codes[start : start + 4] == ["architecture.rule_0", "src/app/m0.py:1", "app.m0", "adapters.db"]
    assert "`" not in page_text(page) and "\\" not in page_text(page)
    assert "imports adapters.db <directly>; route it" in page_text(page)


def test_warnings_on_lines_the_pull_request_did_not_touch_are_counted_not_listed() -> None:
    findings = [
        Finding("a.touched", "a", "warning", "on an added line", False, "src/a.py", 3),
        Finding("a.untouched", "a", "warning", "on an old line", False, "src/a.py", 40),
        Finding("a.blocking", "a", "error", "blocking on an old line", True, "src/a.py", 41),
    ]
    diff = PullDiff({"src/a.py": FileLines(added=frozenset({3}), context=frozenset(range(1, 7)))})
    body = Renderer(BotSettings(), CONTEXT, diff).comment(findings)
    page = comment_html(body)
    listed = [item.split(" · ")[0] for item in element_texts(page, "li")]
    assert listed == ["a.blocking", "a.touched"]
    assert "1 warning on lines this pull request did not touch is counted above, not listed." in page_text(
        page
    )
    assert "a | warning | 0 | 2 |" in body


def test_new_fixed_and_still_open_are_counted_against_the_previous_comment() -> None:
    old = many(10)
    first = render(old)
    assert "First run: all 10 findings are new." in page_text(comment_html(first))
    fresh = Finding("protocol.field_removed", "protocol", "low", "field 3 removed", True, "api.proto", 9)
    second = render([*old[2:], fresh], first)
    page = comment_html(second)
    assert "Since the last run: 1 new, 2 fixed, 8 still open." in page_text(page)
    items = element_texts(page, "li")
    assert items[0].startswith("new · protocol.field_removed · low · blocking ·")
    assert sum(item.startswith("new ·") for item in items) == 1


def test_a_finding_that_moved_to_another_line_is_still_open_not_new() -> None:
    before = Finding("t.todo", "t", "warning", "TODO without ticket", False, "a.py", 3)
    moved = Finding("t.todo", "t", "warning", "TODO without ticket", False, "a.py", 12)
    second = render([moved], render([before]))
    assert "Since the last run: 0 new, 0 fixed, 1 still open." in page_text(comment_html(second))


def test_the_record_of_findings_stays_bounded_and_says_when_it_is_partial() -> None:
    huge = many(5_000)
    first = render(huge)
    assert len(first) <= 10_000
    second = render(huge[1:], first)
    assert len(second) <= 10_000
    assert "these counts are approximate" in page_text(comment_html(second))


def test_a_message_cannot_forge_the_record_of_the_last_run() -> None:
    forged = Finding("x.y", "x", "error", "<!-- sentinel:seen:v1:1:AAAAA -->", True, "a.py", 1)
    second = render([forged], render([forged]))
    assert "Since the last run: 0 new, 0 fixed, 1 still open." in page_text(comment_html(second))


def _run(bot: Bot, failures: list[dict[str, object]]) -> str:
    path = bot.results([result(failures=failures)])
    outcome = bot.run("comment", "--results", str(path), "--pr", "7")
    assert outcome.exit_code == 0, outcome.stderr
    (comment,) = bot.server.comments_on(7)
    return str(comment["body"])


def test_two_runs_on_github_report_new_fixed_and_still_open(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    a = failure("domain imports adapters", "architecture.layering", "src/domain/a.py", 3)
    b = failure("cycle a -> b -> a", "architecture.acyclic", "src/b.py", 1)
    c = failure("field 2 removed", "protocol.field_removed", "api.proto", 8)
    first = page_text(comment_html(_run(bot, [a, b])))
    assert "First run: all 2 findings are new." in first

    second = comment_html(_run(bot, [b, c]))
    assert "Since the last run: 1 new, 1 fixed, 1 still open." in page_text(second)
    assert element_texts(second, "li")[0].startswith("new · protocol.field_removed")
    assert f"https://github.com/octo/widgets/blob/{HEAD}/api.proto#L8" in hrefs(second)

    bot.server.reset_log()
    unchanged = _run(bot, [b, c])
    assert bot.server.writes == 0
    assert "Since the last run: 1 new, 1 fixed, 1 still open." in page_text(comment_html(unchanged))
