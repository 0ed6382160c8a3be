"""Rendering: limits, truncation that keeps blocking findings first, escaping, stable digests.

Escaping is checked the way a reader meets it: the comment's Markdown rendered to HTML by
markdown-it-py (CommonMark with GitHub's tables and strikethrough, raw HTML kept as GitHub keeps
its allowed tags), then the text that HTML shows.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.bot.context import GitHubContext
from sentinel.bot.findings import Finding
from sentinel.bot.render import Renderer, body_digest
from sentinel.bot.settings import BotSettings
from sentinel.errors import SentinelError
from testsupport.comment_page import comment_html, element_texts, start_tags

CONTEXT = GitHubContext(repository="octo/widgets", head_sha="c" * 40, run_id="99")


def _many(count: int, blocking: bool, size: int = 1500) -> list[Finding]:
    return [
        Finding(
            f"rule.{i % 5}",
            "arch",
            "error" if blocking else "warning",
            "m" * size + str(i),
            blocking,
            f"f{i}.py",
            i + 1,
        )
        for i in range(count)
    ]


def test_a_comment_never_exceeds_githubs_limit() -> None:
    body = Renderer(BotSettings(), CONTEXT).comment(_many(300, True))
    assert len(body) <= 65_536


def test_the_short_list_keeps_blocking_findings_and_counts_the_rest() -> None:
    findings = _many(30, True) + _many(200, False)
    body = Renderer(BotSettings(), CONTEXT).comment(findings)
    listed = body.count("](https://github.com/octo/widgets/blob/")
    assert 0 < listed <= 20
    assert sum(f"f{i}.py:{i + 1}" in body for i in range(30)) == listed
    assert f"{230 - listed} more findings not listed." in body
    assert "[full report](https://github.com/octo/widgets/actions/runs/99)" in body


def test_a_lower_configured_limit_is_honoured() -> None:
    body = Renderer(BotSettings(max_comment_chars=5000), CONTEXT).comment(_many(50, True, 100))
    assert len(body) <= 5000


def test_the_check_summary_stays_under_its_limit() -> None:
    unlocated = [replace(f, file="", line=None) for f in _many(200, True)]
    output, _ = Renderer(BotSettings(), CONTEXT).check_output(unlocated, [], 0)
    assert len(output.summary) <= 65_535


def test_the_digest_ignores_the_per_run_report_link() -> None:
    findings = _many(3, True, 10)
    first = Renderer(BotSettings(), CONTEXT).comment(findings)
    second = Renderer(BotSettings(), replace(CONTEXT, run_id="100")).comment(findings)
    assert first != second
    assert body_digest(first) == body_digest(second)


def test_the_digest_changes_with_the_findings() -> None:
    renderer = Renderer(BotSettings(), CONTEXT)
    assert body_digest(renderer.comment(_many(3, True, 10))) != body_digest(
        renderer.comment(_many(4, True, 10))
    )


def _comment_page(*findings: Finding) -> str:
    return comment_html(Renderer(BotSettings(), CONTEXT).comment(list(findings)))


def _finding(message: str, fix: str = "", **changes: Any) -> Finding:
    return replace(
        Finding("protocol.field_removed", "protocol", "error", message, True, "api.proto", 7, fix), **changes
    )


# What a finding's line shows before its location and message.
LINE = "protocol.field_removed · error · blocking · "

# (message, what a reader sees): the message itself, less the backticks that delimit code spans.
READS_AS = [
    ("Add `reserved <number>;` to message `User`.", "Add reserved <number>; to message User."),
    ("Use ``a ` inside`` here", "Use a ` inside here"),
    ("One ` backtick and ``two`` and ```", "One ` backtick and two and ```"),
    ("x < y > z & w | v * u _ t ~ s $ r # q \\ p", "x < y > z & w | v * u _ t ~ s $ r # q \\ p"),
    ("&amp; &lt;b&gt; &#60; &copy;", "&amp; &lt;b&gt; &#60; &copy;"),
    ("**not bold** _not em_ ~~not struck~~ $x^2$", "**not bold** _not em_ ~~not struck~~ $x^2$"),
    (
        "[a link](https://evil.example) ![img](https://evil.example/p.png)",
        "[a link](https://evil.example) ![img](https://evil.example/p.png)",
    ),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    ("<script>alert(1)</script><details open>x", "<script>alert(1)</script><details open>x"),
    (
        "<!-- sentinel:digest:0123 --> <https://evil.example>",
        "<!-- sentinel:digest:0123 --> <https://evil.example>",
    ),
    ("# not a heading ##", "# not a heading ##"),
    ("1. not a list", "1. not a list"),
    ("2) not a list either", "2) not a list either"),
    ("- not a bullet", "- not a bullet"),
    ("+ neither", "+ neither"),
    ("> not a quote", "> not a quote"),
    ("--- not a rule", "--- not a rule"),
    ("=== nor this", "=== nor this"),
    ("`code` first, then <b>", "code first, then <b>"),
    ("long " + "word_with*marks " * 16 + "`<end>`", "long " + "word_with*marks " * 16 + "<end>"),
]


@pytest.mark.parametrize(("message", "seen"), READS_AS)
def test_a_message_reads_as_written(message: str, seen: str) -> None:
    """With a location before it, and without one: then the message starts the list item."""
    page = _comment_page(_finding(message), _finding(message, file="", line=None))
    assert element_texts(page, "li") == [f"{LINE}api.proto:7: {seen}", f"{LINE}{seen}"]


@pytest.mark.parametrize(("message", "seen"), READS_AS)
def test_a_fix_reads_as_written(message: str, seen: str) -> None:
    """Fixes are shown in the check run summary (the comment lists one line per finding)."""
    output, _ = Renderer(BotSettings(), CONTEXT).check_output(
        [_finding("m", fix=message, file="", line=None)], [], 0
    )
    assert f"How to fix: {seen}" in element_texts(comment_html(output.summary), "p")


# Every character with a Markdown meaning (bar backticks, covered above), entity and tag material,
# and letters that make no emoji shortcode or @-mention.
HOSTILE_TEXT = st.text(alphabet="ab;0 \t.-+=#>*_~$&|<>[]()!\\/\"'{}:", max_size=40)


@given(HOSTILE_TEXT)
def test_any_text_without_backticks_reads_as_written(message: str) -> None:
    page = _comment_page(_finding(message), _finding(message, file="", line=None))
    seen = " ".join(message.split())
    assert element_texts(page, "li") == [
        " ".join(f"{LINE}api.proto:7: {seen}".split()),
        " ".join(f"{LINE}{seen}".split()),
    ]


@given(st.text(alphabet="ab `<>/=![]()&;*_#-:@", max_size=40))
def test_any_text_adds_at_most_code_elements(message: str) -> None:
    clean = set(start_tags(_comment_page(_finding("plain"), _finding("plain", file="", line=None))))
    page = _comment_page(_finding(message), _finding(message, file="", line=None))
    assert set(start_tags(page)) <= clean | {"code"}
    assert len(element_texts(page, "li")) == 2


def test_code_spans_in_a_message_show_their_content_verbatim() -> None:
    page = _comment_page(_finding('Add `reserved <number>;` and `reserved "<name>";` to `User`.'))
    codes = element_texts(page, "code")
    assert [c for c in codes if "reserved" in c or c == "User"] == [
        "reserved <number>;",
        'reserved "<name>";',
        "User",
    ]


def test_hostile_messages_add_no_html_elements() -> None:
    clean = start_tags(_comment_page(_finding("plain")))
    hostile = start_tags(
        _comment_page(
            _finding("<img src=x onerror=alert(1)> <script>alert(1)</script>"),
            _finding(
                "<a href='`'>`x`</a> [y](javascript:alert(1)) ![z](https://t.example/p.png)", file="b.proto"
            ),
            _finding("<details open><summary>x</summary>", file="c.proto"),
        )
    )
    assert set(hostile) == set(clean)
    assert hostile.count("li") == 3


def test_mentions_in_messages_do_not_notify() -> None:
    [item] = element_texts(_comment_page(_finding("ask @octocat, or `@octocat` in code")), "li")
    assert item == f"{LINE}api.proto:7: ask @\u200boctocat, or @octocat in code"


def test_pipes_in_table_cells_stay_in_their_cell() -> None:
    page = _comment_page(_finding("m", category="a|b `c|d`", severity="x|y"))
    assert element_texts(page, "td")[:2] == ["a|b c|d", "x|y"]


def test_a_location_with_backticks_shows_verbatim() -> None:
    page = _comment_page(_finding("m", file="a``b`.proto", line=3))
    assert element_texts(page, "li") == [f"{LINE}a``b`.proto:3: m"]


def test_a_missing_template_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SentinelError, match=r"bot\.templates is not a directory"):
        Renderer(BotSettings(templates=tmp_path / "missing"), CONTEXT)


def test_a_broken_override_template_names_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "footer.md.j2").write_text("ok\n{{ nope(\n")
    renderer = Renderer(BotSettings(templates=tmp_path), CONTEXT)
    with pytest.raises(SentinelError, match=r"footer\.md\.j2:2: template error"):
        renderer.comment(_many(1, True, 10))
