"""Helpers shared by the formats."""

from __future__ import annotations

from sentinel.outputs.common import go_quote, line_number, posix_path, summary_text, totals
from sentinel.runner.results import CheckResult, Location, Result


def test_summary_line_matches_conftest_pluralisation() -> None:
    t = totals([CheckResult("a", "m", successes=1, failures=[Result("f")])])
    assert summary_text(t) == "2 tests, 1 passed, 0 warnings, 1 failure, 0 exceptions"
    assert summary_text(t, show_skipped=True).endswith(", 0 skipped")


def test_go_quote_escapes_like_strconv_quote() -> None:
    assert go_quote('a"b\\c\n\t\x01é') == '"a\\"b\\\\c\\n\\t\\x01é"'


def test_posix_path_is_relative_with_forward_slashes() -> None:
    assert posix_path("./src\\a.py") == "src/a.py"
    assert posix_path("-") == "-"


def test_line_number_accepts_text_and_rejects_nonsense() -> None:
    assert line_number(Location("a", "7")) == 7
    assert line_number(Location("a", "")) is None
    assert line_number(Location("a", 0)) is None
    assert line_number(None) is None
