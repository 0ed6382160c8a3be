"""Rendering: limits, truncation that keeps blocking findings first, escaping, stable digests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sentinel.bot.context import GitHubContext
from sentinel.bot.findings import Finding
from sentinel.bot.render import Renderer, body_digest, code, md
from sentinel.bot.settings import BotSettings
from sentinel.errors import SentinelError

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


def test_truncation_keeps_blocking_findings_and_counts_the_rest() -> None:
    findings = _many(30, True) + _many(200, False)
    body = Renderer(BotSettings(), CONTEXT).comment(findings)
    shown_blocking = sum(f"f{i}.py:{i + 1}" in body for i in range(30))
    assert shown_blocking == 30
    omitted = 230 - body.count("](https://github.com/octo/widgets/blob/")
    assert f"**{omitted} more findings not shown**" in body
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


def test_messages_cannot_inject_html_or_mentions() -> None:
    assert md("<details> @octocat\nsecond line") == "&lt;details&gt; @\u200boctocat second line"


def test_messages_cannot_inject_links_or_images() -> None:
    assert md("![x](https://t.example/p.png) [y](z)") == "!\\[x\\](https://t.example/p.png) \\[y\\](z)"


def test_code_spans_survive_backticks() -> None:
    assert code("a `b` c") == "``a `b` c``"


def test_a_missing_template_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SentinelError, match=r"bot\.templates is not a directory"):
        Renderer(BotSettings(templates=tmp_path / "missing"), CONTEXT)


def test_a_broken_override_template_names_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "footer.md.j2").write_text("ok\n{{ nope(\n")
    renderer = Renderer(BotSettings(templates=tmp_path), CONTEXT)
    with pytest.raises(SentinelError, match=r"footer\.md\.j2:2: template error"):
        renderer.comment(_many(1, True, 10))
