"""The todos kind reads Python comments without ``tokenize`` when the source compiles: the same
comments, and ``tokenize`` (with its problem) when it does not."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.todos import _python_comments, extract
from testsupport.files import write

MARK = "TO" + "DO"

TRICKY = f'''"""Doc with # {MARK} inside a docstring."""
x = "# {MARK} in a string"  # {MARK}: real one
y = ("a"  # {MARK} between concatenated strings
     "b")
z = f"{{x!r}} # not a comment" + rb'\\'' + '\\\\'  # tail # {MARK}(ann) #12
s = \'\'\'
# {MARK} inside a triple-quoted string
\'\'\'
t = """a " b "" c # still string"""  # after
u = 'line \\
# {MARK} continued single-quoted string'
# {MARK} last
'''


def _tokenize_comments(text: str) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.COMMENT]


def test_comments_of_compiling_source_equal_tokenize() -> None:
    compile(TRICKY, "tricky.py", "exec")
    found = _python_comments(TRICKY, 99)
    assert found == _tokenize_comments(TRICKY)
    assert found is not None and len(found) == 5


def test_comments_stop_after_the_last_line_asked_for() -> None:
    assert _python_comments(TRICKY, 3) == [c for c in _tokenize_comments(TRICKY) if c[0] <= 3]


def test_source_that_does_not_compile_is_left_to_tokenize() -> None:
    assert _python_comments(f"x = (1,\n# {MARK} open bracket\n", 9) is None
    assert _python_comments(f"x = 1\r# {MARK} lone carriage return\n", 9) is None


def test_items_and_problems_through_both_paths(tmp_path: Path) -> None:
    write(tmp_path, "ok.py", TRICKY)
    write(tmp_path, "broken.py", f"x = (1,\n     2  # {MARK} open bracket\n")
    doc = extract(ExtractContext(root=tmp_path, files=("broken.py", "ok.py"), jobs=1))
    ok = [(i["line"], i["text"], i["author"], i["ticket"]) for i in doc["todos"] if i["file"] == "ok.py"]
    assert ok == [(2, "real one", None, None), (3, "between concatenated strings", None, None),
                  (5, "#12", "ann", "#12"), (12, "last", None, None)]
    assert [i["line"] for i in doc["todos"] if i["file"] == "broken.py"] == [2]
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("broken.py", "syntax")]
