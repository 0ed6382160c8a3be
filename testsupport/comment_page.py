"""Render a PR comment's Markdown the way a reader sees it: HTML (markdown-it-py, GitHub's table
extension), a GitHub-like stylesheet, and headless Chromium (Debian's ``chromium``) for the visible
text and a screenshot. Used by tests/bot/test_comment_page.py, which ``make screenshot`` runs.

``review_comment_html`` frames an inline review comment as GitHub's "Files changed" tab does: the
diff lines above the commented line, then the comment, where a ```suggestion block is drawn as
GitHub draws it (the commented line removed, the block's lines added).
"""

from __future__ import annotations

import html
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

# The shortcodes our templates use, drawn with glyphs DejaVu Sans has (no emoji font needed) in
# the colours GitHub's emoji have; any other shortcode stays as typed.
EMOJI = {
    "x": ("\u2716", "#d1242f"),
    "white_check_mark": ("\u2714", "#1a7f37"),
    "warning": ("\u26a0", "#9a6700"),
}
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")

STYLE = """
body { font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
       font-size: 14px; line-height: 1.5; color: #1f2328; background: #fff; margin: 0; }
.comment { margin: 16px; border: 1px solid #d1d9e0; border-radius: 6px; }
.comment-header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px;
                  color: #59636e; }
.comment-body { padding: 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin-top: 0; }
h3 { font-size: 1.25em; } h4 { font-size: 1em; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
tr:nth-child(2n) { background: #f6f8fa; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 85%;
       background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
a { color: #0969da; text-decoration: none; }
sub { color: #59636e; }
details summary { cursor: pointer; }
.file { margin: 16px; border: 1px solid #d1d9e0; border-radius: 6px; overflow: hidden; }
.file-header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px;
               font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
table.diff { border-collapse: collapse; margin: 0; width: 100%;
             font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
table.diff td { border: 0; padding: 0 10px; white-space: pre; line-height: 20px; }
table.diff tr:nth-child(2n) { background: none; }
table.diff td.num { color: #59636e; text-align: right; width: 1%; }
tr.add td { background: #dafbe1; } tr.del td { background: #ffebe9; }
tr.hunk td { background: #ddf4ff; color: #59636e; }
.thread { border-top: 1px solid #d1d9e0; border-bottom: 1px solid #d1d9e0; background: #f6f8fa;
          padding: 8px 16px; }
.thread .comment { margin: 0; background: #fff; }
.suggestion { border: 1px solid #d1d9e0; border-radius: 6px; overflow: hidden; margin: 8px 0; }
.suggestion-header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 6px 12px;
                     font-weight: 600; font-size: 12px; }
.suggestion-footer { border-top: 1px solid #d1d9e0; padding: 6px 12px; text-align: right; }
.button { border: 1px solid #d1d9e0; border-radius: 6px; padding: 3px 12px; background: #f6f8fa;
          font-size: 12px; font-weight: 600; }
.run-header { padding: 12px 16px; border-bottom: 1px solid #d1d9e0; font-size: 16px; }
.run-header .failure { color: #d1242f; font-weight: 600; }
.annotations-title { padding: 8px 16px; background: #f6f8fa; border-bottom: 1px solid #d1d9e0;
                     font-weight: 600; }
.annotation { border-bottom: 1px solid #d1d9e0; padding: 8px 16px; }
.annotation .level-failure { color: #d1242f; font-weight: 600; }
.annotation .level-warning { color: #9a6700; font-weight: 600; }
.annotation .where { color: #59636e; font-size: 12px; }
.annotation pre { margin: 4px 0 0; white-space: pre-wrap; font-size: 12px;
                  font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
"""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _emoji_html(name: str) -> str | None:
    if name not in EMOJI:
        return None
    glyph, colour = EMOJI[name]
    return f"<span class='emoji' style='color: {colour}'>{glyph}</span>"


def _emoji_rule(state: StateCore) -> None:
    """GitHub shows shortcodes as emoji in text and raw HTML, not in code."""
    for token in state.tokens:
        if token.type == "html_block":
            token.content = _SHORTCODE.sub(lambda m: _emoji_html(m[1]) or m[0], token.content)
        if not token.children:
            continue
        children: list[Token] = []
        for child in token.children:
            if child.type != "text":
                children.append(child)
                continue
            pos = 0
            for match in _SHORTCODE.finditer(child.content):
                emoji = _emoji_html(match[1])
                if emoji is None:
                    continue
                children.append(_token("text", child.content[pos : match.start()]))
                children.append(_token("html_inline", emoji))
                pos = match.end()
            children.append(_token("text", child.content[pos:]))
        token.children = children


def _token(kind: str, content: str) -> Token:
    token = Token(kind, "", 0)
    token.content = content
    return token


def markdown_to_html(markdown: str) -> str:
    """CommonMark plus GitHub's tables and strikethrough; raw HTML is kept (hidden markers,
    <sub>, <details>), as GitHub keeps its allowed tags."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parser.core.ruler.push("emoji", _emoji_rule)
    return parser.render(markdown)


def _suggestion_html(original: str, lines: list[str]) -> str:
    rows = [f"<tr class='del'><td class='num'>-</td><td>{html.escape(original)}</td></tr>"]
    rows += [f"<tr class='add'><td class='num'>+</td><td>{html.escape(line)}</td></tr>" for line in lines]
    return (
        "<div class='suggestion'><div class='suggestion-header'>Suggested change</div>"
        "<table class='diff'>" + "".join(rows) + "</table><div class='suggestion-footer'>"
        "<span class='button'>Commit suggestion</span></div></div>\n"
    )


def review_markdown_to_html(markdown: str, original: str) -> str:
    """``markdown_to_html`` where a ```suggestion block replacing ``original`` shows as a change."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parser.core.ruler.push("emoji", _emoji_rule)
    default = cast(RendererHTML, parser.renderer).rules["fence"]

    def fence(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        if token.info.strip() == "suggestion":
            return _suggestion_html(original, token.content.rstrip("\n").split("\n"))
        return default(tokens, idx, options, env)

    parser.add_render_rule("fence", fence)
    return parser.render(markdown)


_HUNK = re.compile(r"^@@ -[0-9]+(?:,[0-9]+)? \+([0-9]+)(?:,[0-9]+)? @@")


def _diff_rows(patch: str, at: int) -> tuple[str, str, str]:
    """The patch's rows up to head line ``at`` and after it, as table rows, and that line's text."""
    before: list[str] = []
    after: list[str] = []
    original = ""
    new: int | None = None
    for text in patch.splitlines():
        header = _HUNK.match(text)
        rows = before if new is None or new <= at else after
        if header is not None:
            new = int(header[1])
            rows.append(f"<tr class='hunk'><td class='num'></td><td>{html.escape(text)}</td></tr>")
            continue
        if new is None:
            continue
        kind = {"+": "add", "-": "del"}.get(text[:1], "")
        number = "" if kind == "del" else str(new)
        rows.append(f"<tr class='{kind}'><td class='num'>{number}</td><td>{html.escape(text)}</td></tr>")
        if kind != "del":
            if new == at:
                original = text[1:]
            new += 1
    return "".join(before), "".join(after), original


def review_comment_html(markdown: str, path: str, patch: str, line: int, author: str = "sentinel-bot") -> str:
    """An inline review comment on ``line`` of ``path`` as a standalone page, inside its diff."""
    before, after, original = _diff_rows(patch, line)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        + STYLE
        + "</style></head><body><div class='file'><div class='file-header'>"
        + html.escape(path)
        + "</div><table class='diff'>"
        + before
        + "</table><div class='thread'><div class='comment'><div class='comment-header'><b>"
        + html.escape(author)
        + "</b> commented</div><div class='comment-body'>"
        + review_markdown_to_html(markdown, original)
        + "</div></div></div><table class='diff'>"
        + after
        + "</table></div></body></html>"
    )


def check_run_html(run: dict[str, Any], annotations: list[dict[str, Any]], sources: dict[str, str]) -> str:
    """A check run as GitHub's checks page shows it: name and conclusion, the summary (Markdown), and
    each annotation with its level, title, place, message and the annotated source line."""
    icons = {"failure": "\u2716", "warning": "\u26a0", "notice": "\u2139"}
    items = []
    for note in annotations:
        level = str(note.get("annotation_level", "notice"))
        path, line = str(note["path"]), int(note["start_line"])
        lines = sources.get(path, "").splitlines()
        code = lines[line - 1] if 0 < line <= len(lines) else ""
        items.append(
            "<div class='annotation'><div><span class='level-" + html.escape(level) + "'>"
            + icons.get(level, "") + " " + html.escape(level.capitalize()) + "</span> "
            + "<b>" + html.escape(str(note.get("title") or "")) + "</b></div>"
            + "<div class='where'>" + html.escape(f"{path}#L{line}") + "</div>"
            + "<div>" + html.escape(str(note.get("message") or "")) + "</div>"
            + "<table class='diff'><tr><td class='num'>" + str(line) + "</td><td>" + html.escape(code)
            + "</td></tr></table></div>"
        )
    output = run.get("output") or {}
    conclusion = str(run.get("conclusion") or run.get("status") or "")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        + STYLE
        + "</style></head><body><div class='file'><div class='run-header'><b>"
        + html.escape(str(run.get("name", "")))
        + "</b> <span class='" + html.escape(conclusion) + "'>" + html.escape(conclusion) + "</span></div>"
        + "<div class='comment-body'>" + markdown_to_html(str(output.get("summary") or "")) + "</div>"
        + f"<div class='annotations-title'>Annotations: {len(annotations)}</div>"
        + "".join(items)
        + "</div></body></html>"
    )


def comment_html(markdown: str, author: str = "sentinel-bot") -> str:
    """The comment as a standalone page, framed like a GitHub comment."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        + STYLE
        + "</style></head><body><div class='comment'><div class='comment-header'><b>"
        + html.escape(author)
        + "</b> commented</div><div class='comment-body'>"
        + markdown_to_html(markdown)
        + "</div></div></body></html>"
    )


_HIDDEN = ("head", "style", "script")
_VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr")


class _Page(HTMLParser):
    """Text nodes outside <head>, <style> and <script> (what the page shows), every start tag,
    and the text of each closed element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []
        self.elements: list[tuple[str, str]] = []
        self._open: list[tuple[str, int]] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in _HIDDEN:
            self._hidden += 1
        if tag not in _VOID:
            self._open.append((tag, len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self._hidden:
            self._hidden -= 1
        while self._open:
            name, first = self._open.pop()
            if name == tag:
                self.elements.append((tag, _normalize("".join(self.parts[first:]))))
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _normalize(text: str) -> str:
    return " ".join(text.split())


def parse_page(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def page_text(page: str) -> str:
    """The visible text of an HTML page, whitespace collapsed."""
    return _normalize("".join(parse_page(page).parts))


def element_texts(page: str, tag: str) -> list[str]:
    """The visible text of each ``tag`` element, in the order the elements close."""
    return [text for name, text in parse_page(page).elements if name == tag]


def start_tags(page: str) -> list[str]:
    """Every element the page holds, by tag name: raw HTML that got through shows up here."""
    return parse_page(page).tags


def _chromium(chromium: str, *args: str) -> subprocess.CompletedProcess[str]:
    """One headless run with a throw-away profile and no background network traffic."""
    with tempfile.TemporaryDirectory(prefix="sentinel-chromium-") as profile:
        return subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


def capture(chromium: str, page: Path, png: Path, width: int = 900, height: int = 700) -> str:
    """One Chromium run over ``page``: writes its screenshot to ``png`` and returns the text the
    page shows (its DOM after parsing, without markup, whitespace collapsed)."""
    dom = _chromium(
        chromium, f"--window-size={width},{height}", f"--screenshot={png}", "--dump-dom", page.as_uri()
    )
    return page_text(dom.stdout)


def png_size_and_colours(png: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct byte values in the decoded pixel rows: enough to
    tell a blank capture (one or two values) from a rendered page."""
    data = png.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{png} is not a PNG file")
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))
