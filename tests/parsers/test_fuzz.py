"""Property tests over every parser's entry point: any text or bytes either parses to plain JSON
values or gives a ParseError whose message is one short line quoting no long part of the input.

The example budget comes from the hypothesis profile in ``conftest.py``: small and derandomised
by default, thousands of examples with ``HYPOTHESIS_PROFILE=fuzz``.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel import parsers
from sentinel.errors import ParseError, SentinelError
from sentinel.parsers._common import MAX_EXCERPT

# Characters that mean something in at least one format, so generated text reaches past the lexer.
_SYNTAX = [*"{}[]()<>:;,=\"'`#&*!|-_.$/\\@~%?+^ \t\n\r", "---", "<<", "${", "//", "/*", "*/", "\\u00"]
_WORDS = ["a", "key", "1", "-2.5e3", "true", "null", "nil", "FROM", "RUN", "include", "import", "local",
          "[s]", "export", "!Ref", "&x", "*x", "#inst", "#tag", "resource", "SPDXVersion:", "\ufeff"]
_TEXT = st.lists(st.sampled_from(_SYNTAX + _WORDS) | st.text(max_size=4), max_size=40).map("".join)

# Each parser with a file name that selects it; parsers that start a child process get fewer examples.
_FILES = {name: f"input.{name}" for name in parsers.names()} | {"dockerfile": "Dockerfile", "dotenv": ".env"}
_SLOW = {"hocon", "jsonnet"}


def _check(data: bytes, name: str) -> None:
    try:
        value = parsers.parse_bytes(data, _FILES[name], parser=name)
    except ParseError as exc:
        message = exc.message
        assert "\n" not in message and len(message) <= 200
        text = data.decode("utf-8", "replace")
        span = MAX_EXCERPT + 1
        assert not any(text[i:i + span] in message for i in range(len(text) - span + 1)), message
        return
    except SentinelError:
        return
    json.dumps(value, allow_nan=False)


def _budget(name: str) -> settings:
    current = settings.default
    examples = current.max_examples if current is not None else 40
    return settings(max_examples=max(5, examples // 8) if name in _SLOW else examples)


@pytest.mark.parametrize("name", parsers.names())
def test_any_text_parses_or_is_a_clean_parse_error(name: str) -> None:
    @_budget(name)
    @given(_TEXT)
    def check(text: str) -> None:
        _check(text.encode("utf-8"), name)

    check()


@pytest.mark.parametrize("name", parsers.names())
def test_any_bytes_parse_or_are_a_clean_parse_error(name: str) -> None:
    @_budget(name)
    @given(st.binary(max_size=120))
    def check(data: bytes) -> None:
        _check(data, name)

    check()


@given(st.binary(max_size=300))
def test_stdin_without_a_parser_parses_or_is_a_clean_parse_error(data: bytes) -> None:
    try:
        value = parsers.parse_stdin(data)
    except ParseError as exc:
        assert "\n" not in exc.message
        return
    json.dumps(value, allow_nan=False)
