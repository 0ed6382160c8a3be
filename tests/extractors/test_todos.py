"""todos kind: markers in comments only, per language; tickets, authors, options, bad input.

Marker words are built from pieces so that this file does not carry them itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors import todos
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.selection import select_files

MARK_TODO = "TO" + "DO"
MARK_FIXME = "FIX" + "ME"
MARK_HACK = "HA" + "CK"
MARK_XXX = "X" + "XX"


def extract(root: Path, options: dict[str, Any] | None = None,
            max_file_bytes: int = 1_000_000) -> dict[str, Any]:
    ctx = ExtractContext(root=root, files=tuple(select_files(root)), options=options or {},
                         max_file_bytes=max_file_bytes)
    return todos.extract(ctx)


def found(doc: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    return [(t["file"], t["line"], t["marker"], t["text"]) for t in doc["todos"]]


# One source per language: a marker in a comment (found) and one in a string (not found).
SOURCES = {
    "a.py": f'x = "{MARK_TODO} in a string"\n# {MARK_TODO}: python comment\n',
    "a.rs": f'let s = "{MARK_TODO} no";\n// {MARK_TODO}: rust line\n/* {MARK_FIXME}: rust block */\n',
    "a.go": f'package a\nvar s = "{MARK_TODO} no"\n// {MARK_TODO}: go comment\n',
    "a.js": f'const s = "{MARK_TODO} no";\n// {MARK_TODO}: js comment\n',
    "a.ts": f'const s: string = `{MARK_TODO} no`;\n/* {MARK_HACK}: ts block */\n',
    "a.ex": f'defmodule A do\n  @doc "{MARK_TODO} no"\n  # {MARK_TODO}: elixir comment\nend\n',
    "a.sh": f'echo "# {MARK_TODO} no"\necho $#  # {MARK_TODO}: shell comment\n',
    "a.yml": f'color: "#fff {MARK_TODO} no"\nkey: a#{MARK_TODO}\n# {MARK_TODO}: yaml comment\n',
    "a.toml": f'title = "# {MARK_TODO} no"\nx = 1 # {MARK_XXX}: toml comment\n',
    "a.rego": f'package a\nmsg := "# {MARK_TODO} no"\n# {MARK_TODO}: rego comment\n',
    "Makefile": f'all:\n\techo "# {MARK_TODO} no"\n# {MARK_TODO}: make comment\n',
    "README.md": f"<!-- {MARK_TODO}: markdown is not scanned -->\n",
}


def test_markers_are_found_in_comments_of_every_language_and_never_in_strings(git_repo: Any) -> None:
    for rel, content in SOURCES.items():
        git_repo.write(rel, content)
    assert found(extract(git_repo.root)) == [
        ("Makefile", 3, MARK_TODO, "make comment"),
        ("a.ex", 3, MARK_TODO, "elixir comment"),
        ("a.go", 3, MARK_TODO, "go comment"),
        ("a.js", 2, MARK_TODO, "js comment"),
        ("a.py", 2, MARK_TODO, "python comment"),
        ("a.rego", 3, MARK_TODO, "rego comment"),
        ("a.rs", 2, MARK_TODO, "rust line"),
        ("a.rs", 3, MARK_FIXME, "rust block"),
        ("a.sh", 2, MARK_TODO, "shell comment"),
        ("a.toml", 2, MARK_XXX, "toml comment"),
        ("a.ts", 2, MARK_HACK, "ts block"),
        ("a.yml", 3, MARK_TODO, "yaml comment"),
    ]


def test_each_line_of_a_block_comment_is_its_own_line(git_repo: Any) -> None:
    git_repo.write("a.js", f"/**\n * Intro.\n * {MARK_FIXME} later\n */\n")
    assert found(extract(git_repo.root)) == [("a.js", 3, MARK_FIXME, "later")]


def test_marker_must_be_a_whole_word(git_repo: Any) -> None:
    git_repo.write("a.py", f"# {MARK_TODO}S and {MARK_XXX}X and my_{MARK_HACK} are not markers\n")
    assert found(extract(git_repo.root)) == []


def test_ticket_is_the_leftmost_match_of_the_default_patterns(git_repo: Any) -> None:
    git_repo.write("a.py", f"# {MARK_TODO}: see #12 and TD-7\n# {MARK_TODO}(TD-3): b\n# {MARK_TODO}: none\n")
    assert [t["ticket"] for t in extract(git_repo.root)["todos"]] == ["#12", "TD-3", None]


def test_ticket_patterns_option_replaces_the_defaults(git_repo: Any) -> None:
    git_repo.write("a.py", f"# {MARK_TODO} JIRA-42 fix #12\n")
    [item] = extract(git_repo.root, {"ticket_patterns": [r"JIRA-\d+"]})["todos"]
    assert item["ticket"] == "JIRA-42"


def test_author_in_parentheses_is_split_from_the_text(git_repo: Any) -> None:
    git_repo.write("a.go", f"package a\n// {MARK_TODO}(alice): rename\n")
    [item] = extract(git_repo.root)["todos"]
    assert (item["author"], item["text"]) == ("alice", "rename")


def test_markers_option_sets_the_words(git_repo: Any) -> None:
    git_repo.write("a.py", f"# NOTE: keep\n# {MARK_TODO}: skip\n")
    assert found(extract(git_repo.root, {"markers": ["NOTE"]})) == [("a.py", 1, "NOTE", "keep")]


@pytest.mark.parametrize(("options", "word"), [
    ({"ticket_patterns": ["(unclosed"]}, "ticket_patterns"),
    ({"markers": MARK_TODO}, "markers"),
    ({"markers": []}, "markers"),
])
def test_bad_options_are_usage_errors(git_repo: Any, options: dict[str, Any], word: str) -> None:
    git_repo.write("a.py", "")
    with pytest.raises(ExtractorUsageError, match=word):
        extract(git_repo.root, options)


def test_python_that_cannot_be_tokenized_is_a_problem_and_earlier_comments_are_kept(git_repo: Any) -> None:
    git_repo.write("a.py", f"# {MARK_TODO}: first\nx = (\n# {MARK_TODO}: inside\n")
    doc = extract(git_repo.root)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("a.py", "syntax")]
    assert found(doc)[0] == ("a.py", 1, MARK_TODO, "first")


@pytest.mark.parametrize(("rel", "source"), [
    ("a.rs", f"// {MARK_TODO}: kept\nfn f( {{\n"),
    ("a.go", f"package a\n// {MARK_TODO}: kept\nfunc (\n"),
    ("a.ts", f"// {MARK_TODO}: kept\nfunction ( {{\n"),
    ("a.ex", f"# {MARK_TODO}: kept\ndefmodule A do\n  def f( do\n"),
])
def test_tree_sitter_syntax_error_is_a_problem_with_a_line(git_repo: Any, rel: str, source: str) -> None:
    git_repo.write(rel, source)
    doc = extract(git_repo.root)
    [prob] = doc["problems"]
    assert (prob["file"], prob["code"]) == (rel, "syntax")
    assert isinstance(prob["line"], int)
    assert [t["text"] for t in doc["todos"]] == ["kept"]


def test_binary_file_with_marker_bytes_is_a_problem(git_repo: Any) -> None:
    git_repo.write("a.rs", f"// {MARK_TODO}\n".encode() + b"\x00")
    doc = extract(git_repo.root)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("a.rs", "binary")]


def test_invalid_utf8_byte_does_not_hide_the_markers_of_a_file(git_repo: Any) -> None:
    source = f"# caf\xe9 au lait\nx = 1  # {MARK_FIXME}: drop the latin-1 byte\n"
    git_repo.write("a.py", source.encode("latin-1"))
    doc = extract(git_repo.root)
    assert doc["problems"] == []
    assert found(doc) == [("a.py", 2, MARK_FIXME, "drop the latin-1 byte")]


def test_secret_in_a_marker_comment_is_masked_in_text_author_and_document(git_repo: Any) -> None:
    key = "AKIA" + "ZZQ3D2L7XJ5WV4NB"
    git_repo.write("a.py", f"x = 1  # {MARK_TODO}({key}): rotate {key} before release\n")
    doc = extract(git_repo.root)
    shown = [(t["text"], t["author"]) for t in doc["todos"]]
    assert shown == [("rotate AKIA**** before release", "AKIA****")]
    assert key not in json.dumps(doc)


def test_file_without_marker_bytes_is_not_read_at_all(git_repo: Any) -> None:
    git_repo.write("a.py", b"\x00\xff binary without the words")
    assert extract(git_repo.root)["problems"] == []


def test_file_over_the_size_limit_is_a_problem(git_repo: Any) -> None:
    git_repo.write("a.py", "x = 1\n" * 100)
    doc = extract(git_repo.root, max_file_bytes=50)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("a.py", "too_large")]


def test_symlinks_and_symlink_loops_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "a.py").write_text(f"# {MARK_TODO}: once\n")
    os.symlink(root, root / "loop")
    os.symlink(root / "a.py", root / "b.py")
    assert found(extract(root)) == [("a.py", 1, MARK_TODO, "once")]


def test_real_output_matches_the_schema(git_repo: Any,
                                        validate_document: Callable[[dict[str, Any]], None]) -> None:
    for rel, content in SOURCES.items():
        git_repo.write(rel, content)
    git_repo.write("b.rs", "fn f( {\n")
    validate_document(extract(git_repo.root))


def test_two_runs_give_byte_identical_json(git_repo: Any) -> None:
    for rel, content in SOURCES.items():
        git_repo.write(rel, content)
    first = json.dumps(extract(git_repo.root), sort_keys=True)
    assert json.dumps(extract(git_repo.root), sort_keys=True) == first


def test_summary_counts_items_files_tickets_and_markers(git_repo: Any) -> None:
    git_repo.write("a.py", f"# {MARK_TODO}: a TD-1\n# {MARK_FIXME}: b\n")
    git_repo.write("b.go", f"package b\n// {MARK_TODO}: c\n")
    assert extract(git_repo.root)["summary"] == {"files": 2, "total": 3, "with_ticket": 1,
                                                 "by_marker": {MARK_FIXME: 1, MARK_TODO: 2}}


REGISTRY_ITEM = """---
id: TD-7
title: Replace the polling loop
severity: medium
owner: platform
created: 2026-01-10
ttl: 90d
status: open
---
Body.
"""


def test_registry_ids_are_listed_so_a_rule_can_check_tickets_exist(git_repo: Any, validate_document) -> None:
    git_repo.write("technical_debt/poll.md", REGISTRY_ITEM)
    git_repo.write("technical_debt/broken.md", "---\nid: [unclosed\n---\n")
    git_repo.write("a.py", f"# {MARK_TODO} TD-7: tracked\n# {MARK_TODO} TD-8: not in the registry\n")
    doc = extract(git_repo.root)
    validate_document(doc)
    assert doc["registry"] == {"paths": ["technical_debt/**/*.md"], "ids": ["TD-7"]}
    assert [t["ticket"] for t in doc["todos"]] == ["TD-7", "TD-8"]


def test_registry_paths_option_points_at_another_registry(git_repo: Any) -> None:
    git_repo.write("debt/poll.md", REGISTRY_ITEM)
    assert extract(git_repo.root)["registry"]["ids"] == []
    assert extract(git_repo.root, {"registry_paths": ["debt/*.md"]})["registry"]["ids"] == ["TD-7"]
