"""Render a PR comment's Markdown the way a reader sees it: HTML (markdown-it-py, GitHub's table
extension), a GitHub-like stylesheet, and headless Chromium (Debian's ``chromium``) for the visible
text and a screenshot. Used by the getting-started test and by ``make screenshot``.
"""

from __future__ import annotations

import html
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

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
"""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def comment_html(markdown: str, author: str = "sentinel-bot") -> str:
    """The comment as a standalone page. Raw HTML in the Markdown (hidden markers, <sub>,
    <details>) is kept, as GitHub keeps its allowed tags."""
    body = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        + STYLE
        + "</style></head><body><div class='comment'><div class='comment-header'><b>"
        + html.escape(author)
        + "</b> commented</div><div class='comment-body'>"
        + body
        + "</div></div></body></html>"
    )


class _VisibleText(HTMLParser):
    """Text nodes outside <head>, <style> and <script>: what the page shows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("head", "style", "script"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _chromium(chromium: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def visible_text(chromium: str, page: Path) -> str:
    """The text Chromium renders for ``page`` (its DOM after parsing, without markup)."""
    dom = _chromium(chromium, "--dump-dom", page.as_uri()).stdout
    parser = _VisibleText()
    parser.feed(dom)
    return " ".join(" ".join(parser.parts).split())


def screenshot(chromium: str, page: Path, out: Path, width: int = 1000, height: int = 900) -> None:
    _chromium(chromium, f"--window-size={width},{height}", f"--screenshot={out}", page.as_uri())


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
