"""The ``todos`` kind: work-left-undone markers in comments (never in strings or code).

Languages and how their comments are found:

- Python: ``tokenize`` COMMENT tokens.
- Rust, Go, JavaScript, TypeScript, Elixir: tree-sitter comment nodes.
- Shell, YAML, TOML, Rego, Makefile: ``#`` comments, line by line. A ``#`` starts a comment
  outside quotes; in shell, YAML and Makefiles it must also start a word (``$#`` and
  ``a#b`` are not comments). Lines inside multi-line strings (YAML block scalars, TOML
  ``\"\"\"``, heredocs) are read as code lines; a ``#`` line there counts as a comment.

Markdown, JSON and other formats are not scanned: their comments are ambiguous or absent.

Options (``extract.options.todos`` in conftest.yml):

- ``markers`` (default: ``DEFAULT_MARKERS``, the four usual upper-case words): whole words,
  case-sensitive.
- ``ticket_patterns`` (default ``["TD-\\\\d+", "#\\\\d+"]``): regular expressions; an item's
  ``ticket`` is the leftmost match in its comment line, or null.
- ``registry_paths`` (default: the techdebt kind's ``technical_debt/**/*.md``): the registry whose
  item ids the document lists under ``registry.ids``, so a rule can tell whether a ticket exists
  while it reads this one document.

Each item: ``marker``, ``text`` (the comment after the marker, an ``(author)`` and a leading
``:``/``-`` removed), ``author`` (from ``<marker>(name)``, else null), ``ticket``, ``file``,
``line``, ``language``. One item per comment line: the first marker on it. ``text``, ``author``
and ``ticket`` pass through ``mask_secrets``: a key pasted into a comment shows as ``AKIA****``
here and in every message that quotes it.

Invalid UTF-8 is read as U+FFFD (the markers are ASCII); files with NUL bytes or over the size
limit are problems. Speed: a file whose bytes contain no marker is never decoded or tokenized.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sentinel.extractors import cache, techdebt, treesitter
from sentinel.extractors.base import ExtractContext, document, problem, read_source
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.files import language_of
from sentinel.extractors.imports.tsquery import captures
from sentinel.extractors.secrets.mask import mask_secrets

# Spelled in pieces so that this file does not flag itself.
DEFAULT_MARKERS = ("TO" + "DO", "FIX" + "ME", "HA" + "CK", "X" + "XX")
DEFAULT_TICKET_PATTERNS = (r"TD-\d+", r"#\d+")
TREE_SITTER_COMMENTS = {
    "rust": "[(line_comment) (block_comment)] @comment",
    "go": "(comment) @comment",
    "javascript": "(comment) @comment",
    "typescript": "(comment) @comment",
    "elixir": "(comment) @comment",
}
# ``#``-comment languages -> whether ``#`` must start a word to open a comment.
HASH_COMMENTS = {"shell": True, "yaml": True, "makefile": True, "toml": False, "rego": False}
LANGUAGES = frozenset({"python", *TREE_SITTER_COMMENTS, *HASH_COMMENTS})

_AUTHOR = re.compile(r"\(([^()]*)\)")
_LEADER = re.compile(r"^(?:/\*+!?|/{2,}[/!]?|#+!?|\*+(?!/)|<!--|--)\s?")
_TRAILER = re.compile(r"\s*(?:\*+/|-->)\s*$")

# Bump when this kind's per-file records change (sentinel.extractors.cache keys on it).
CACHE_VERSION = 1
_Job = tuple[str, str, str, int, tuple[str, ...], str]


def _options(ctx: ExtractContext) -> tuple[tuple[str, ...], str]:
    markers = ctx.options.get("markers", list(DEFAULT_MARKERS))
    tickets = ctx.options.get("ticket_patterns", list(DEFAULT_TICKET_PATTERNS))
    registry = ctx.options.get("registry_paths", [])
    for name, value in (("markers", markers), ("ticket_patterns", tickets), ("registry_paths", registry)):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ExtractorUsageError(f"extract option todos.{name} must be a list of non-empty strings")
    for pattern in tickets:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ExtractorUsageError(f"extract option todos.ticket_patterns: invalid regular expression "
                             f"{pattern!r}: {exc}") from exc
    if not markers:
        raise ExtractorUsageError("extract option todos.markers must name at least one marker")
    return tuple(markers), "|".join(f"(?:{p})" for p in tickets)


def _marker_regex(markers: Sequence[str]) -> re.Pattern[str]:
    words = "|".join(re.escape(m) for m in sorted(markers, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])({words})(?![A-Za-z0-9_])")


def _item(rel: str, language: str, line: int, comment: str, marker_re: re.Pattern[str],
          ticket_re: re.Pattern[str] | None) -> dict[str, Any] | None:
    """An item for one comment line (delimiters included in ``comment``), or None without a marker."""
    body = _TRAILER.sub("", _LEADER.sub("", comment.strip(), count=1))
    found = marker_re.search(body)
    if found is None:
        return None
    rest = body[found.end():]
    author = None
    owner = _AUTHOR.match(rest)
    if owner:
        author = owner.group(1).strip() or None
        rest = rest[owner.end():]
    text = rest.lstrip(" \t:-").strip()
    ticket = ticket_re.search(body) if ticket_re is not None else None
    return {
        "file": rel,
        "line": line,
        "language": language,
        "marker": found.group(1),
        "text": mask_secrets(text),
        "author": mask_secrets(author) if author else None,
        "ticket": mask_secrets(ticket.group(0)) if ticket else None,
    }


# Comments and string literals of Python source that compiles: nothing else holds a ``#`` or a
# quote. A backslash escapes the next character in every kind of string (raw ones too, as far as
# where the string ends), and an f-string ends where a plain one does (Python 3.11).
_PY_LEXEMES = re.compile(
    r"#[^\r\n]*"
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|"(?:[^"\\\n]|\\.)*"',
    re.DOTALL,
)


def _python_comments(text: str, last: int) -> list[tuple[int, str]] | None:
    """(line, text) of the comments up to line ``last``, the COMMENT tokens ``tokenize`` gives, or
    None when the source does not compile or has a lone carriage return (``tokenize`` then
    decides, and reports where it fails). Several times faster than ``tokenize``."""
    if "\r" in text.replace("\r\n", ""):
        return None
    try:
        compile(text, "<todos>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    out: list[tuple[int, str]] = []
    line, position = 1, 0
    for match in _PY_LEXEMES.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        if line > last:
            break
        if text[position] == "#":
            out.append((line, match.group()))
    return out


def _python(rel: str, text: str, lines_with_markers: set[int], marker_re: re.Pattern[str],
            ticket_re: re.Pattern[str] | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items: list[dict[str, Any]] = []
    comments = _python_comments(text, max(lines_with_markers))
    if comments is not None:
        for row, comment in comments:
            if row in lines_with_markers:
                found = _item(rel, "python", row, comment, marker_re, ticket_re)
                if found:
                    items.append(found)
        return items, []
    last = max(lines_with_markers)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            row = token.start[0]
            if row > last:
                break
            if token.type == tokenize.COMMENT and row in lines_with_markers:
                found = _item(rel, "python", row, token.string, marker_re, ticket_re)
                if found:
                    items.append(found)
    except (tokenize.TokenError, SyntaxError) as exc:
        line = exc.args[1][0] if isinstance(exc, tokenize.TokenError) and len(exc.args) > 1 else getattr(
            exc, "lineno", None)
        return items, [problem(rel, f"cannot tokenize: {exc.args[0]}; comments after this point are not read",
                               line=line, code="syntax")]
    return items, []


def _tree_sitter(rel: str, language: str, text: str, marker_re: re.Pattern[str],
                 ticket_re: re.Pattern[str] | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    grammar = treesitter.grammar_for(rel) or language
    tree = treesitter.parser(grammar).parse(text.encode("utf-8"))
    problems = []
    error_line = treesitter.first_error_line(tree)
    if error_line is not None:
        problems.append(problem(rel, f"syntax error ({grammar}); comments near it may be missed",
                                line=error_line, code="syntax"))
    items: list[dict[str, Any]] = []
    for node in captures(grammar, TREE_SITTER_COMMENTS[language], tree.root_node).get("comment", []):
        raw = (node.text or b"").decode("utf-8", "replace")
        for offset, comment_line in enumerate(raw.split("\n")):
            found = _item(rel, language, node.start_point[0] + 1 + offset, comment_line, marker_re, ticket_re)
            if found:
                items.append(found)
    return items, problems


def hash_comment_start(line: str, needs_word_start: bool) -> int | None:
    """Where the ``#`` comment of a line starts, or None (quotes and ``\\#`` escapes respected)."""
    quote: str | None = None
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == "\\" and quote != "'":
                index += 2
                continue
            if char == quote:
                quote = None
        elif char == "\\":
            index += 2
            continue
        elif char in "\"'`":
            quote = char
        elif char == "#" and (not needs_word_start or index == 0 or line[index - 1] in " \t"):
            return index
        index += 1
    return None


def _hash_comments(rel: str, language: str, text: str, lines_with_markers: set[int],
                   marker_re: re.Pattern[str], ticket_re: re.Pattern[str] | None) -> list[dict[str, Any]]:
    items = []
    lines = text.split("\n")
    for number in sorted(lines_with_markers):
        line = lines[number - 1]
        start = hash_comment_start(line, HASH_COMMENTS[language])
        if start is None:
            continue
        found = _item(rel, language, number, line[start:], marker_re, ticket_re)
        if found:
            items.append(found)
    return items


def _scan(job: _Job) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Items and problems of one file that contains marker bytes."""
    root, rel, language, max_bytes, markers, tickets = job
    ctx = ExtractContext(root=Path(root), files=(), max_file_bytes=max_bytes)
    text, prob = read_source(ctx, rel, replace_invalid=True)
    if text is None:
        return [], [prob] if prob else []
    marker_re = _marker_regex(markers)
    ticket_re = re.compile(tickets) if tickets else None
    if language in TREE_SITTER_COMMENTS:
        return _tree_sitter(rel, language, text, marker_re, ticket_re)
    lines: set[int] = set()
    line, position = 1, 0
    for match in marker_re.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        lines.add(line)
    if not lines:
        return [], []
    if language == "python":
        return _python(rel, text, lines, marker_re, ticket_re)
    return _hash_comments(rel, language, text, lines, marker_re, ticket_re), []


def _job_file(job: _Job) -> str:
    return job[1]


def _has_marker(path: str, size_limit: int, needles: Sequence[bytes]) -> bool:
    """Whether the file's bytes contain a marker (files over the limit go on, to be reported)."""
    try:
        if os.stat(path).st_size > size_limit:
            return True
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return True
    return any(needle in data for needle in needles)


def extract(ctx: ExtractContext) -> dict[str, Any]:
    markers, tickets = _options(ctx)
    needles = [m.encode("utf-8") for m in markers]
    root = str(ctx.root)
    jobs: list[_Job] = []
    for rel in ctx.files:
        language = language_of(rel)
        if language in LANGUAGES and _has_marker(os.path.join(root, rel), ctx.max_file_bytes, needles):
            jobs.append((root, rel, language or "", ctx.max_file_bytes, markers, tickets))
    items: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for found, more in cache.map_files(ctx, "todos", CACHE_VERSION, _scan, jobs, _job_file):
        items.extend(found)
        problems.extend(more)
    items.sort(key=lambda i: (i["file"], i["line"]))
    summary = {
        "files": len({i["file"] for i in items}),
        "total": len(items),
        "with_ticket": sum(1 for i in items if i["ticket"]),
        "by_marker": dict(sorted(Counter(i["marker"] for i in items).items())),
    }
    registry_paths = list(ctx.options.get("registry_paths", techdebt.DEFAULT_PATHS))
    registry = {"paths": registry_paths, "ids": techdebt.registry_ids(ctx, registry_paths)}
    return document(ctx, "todos", todos=items, summary=summary, registry=registry, problems=problems)
