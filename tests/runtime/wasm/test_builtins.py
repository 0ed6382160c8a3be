"""The host's sprintf gives OPA's text, byte for byte, or refuses."""

from __future__ import annotations

import json
import subprocess
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.runtime.wasm.builtins import BuiltinUnsupported, go_quote, sprintf

# Code points assigned in Python's Unicode database (Go's may be newer), within the BMP (beyond it the
# result is refused: test_a_result_beyond_the_bmp_is_refused).
_ASSIGNED = st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cn", "Cs")).filter(
    lambda c: unicodedata.category(c) != "Cn"
)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("plain", '"plain"'),
        ('say "hi"\\', '"say \\"hi\\"\\\\"'),
        ("tab\tnew\nline", '"tab\\tnew\\nline"'),
        ("\x01\x7f", '"\\x01\\x7f"'),
        ("caf\u00e9 \u65e5\u672c", '"caf\u00e9 \u65e5\u672c"'),
        ("nb\u00a0sp", '"nb\\u00a0sp"'),
        ("zero\u200bwidth", '"zero\\u200bwidth"'),
    ],
)
def test_q_quotes_as_go_strconv_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


def test_q_escapes_non_printable_code_points_beyond_the_bmp_as_go_does() -> None:
    assert go_quote("\U000e0001\U0001f600") == '"\\U000e0001\U0001f600"'


def test_a_result_beyond_the_bmp_is_refused() -> None:
    with pytest.raises(BuiltinUnsupported, match="above U\\+FFFF"):
        sprintf("%s", ["\U0001f600"])


def test_s_v_d_and_percent_format_strings_integers_booleans_and_null() -> None:
    assert sprintf("%s|%v|%d|%v|%s|100%%", ["a", 7, -3, True, None]) == "a|7|-3|true|null|100%"


@pytest.mark.parametrize(
    ("fmt", "values"),
    [
        ("%x", [1]),
        ("%5d", [1]),
        ("%s", [1.5]),
        ("%v", [[1]]),
        ("%d", ["1"]),
        ("%s %s", ["a"]),
        ("%s", ["a", "b"]),
    ],
)
def test_what_cannot_be_reproduced_exactly_is_refused(fmt: str, values: list[object]) -> None:
    with pytest.raises(BuiltinUnsupported):
        sprintf(fmt, values)


@given(st.lists(st.text(alphabet=_ASSIGNED, max_size=12), min_size=50, max_size=50))
def test_q_equals_opa_sprintf_on_generated_strings(
    opa: str, tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    batch = tmp_path_factory.mktemp("q") / "input.json"
    batch.write_text(json.dumps(texts))
    done = subprocess.run(
        [opa, "eval", "-f", "json", "-i", str(batch), '[sprintf("%q|%s", [t, t]) | some t in input]'],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    theirs = json.loads(done.stdout)["result"][0]["expressions"][0]["value"]
    assert [sprintf("%q|%s", [t, t]) for t in texts] == theirs


def test_a_format_without_verbs_is_returned_as_it_is() -> None:
    assert sprintf("no verbs", []) == "no verbs"
