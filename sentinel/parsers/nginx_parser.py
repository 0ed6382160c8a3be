"""nginx configuration via crossplane's lexer, in the shape conftest (gonginx) gives.

conftest's document is ``{"directives": [{"name", "parameters"?, "block"?: {"directives": [...]}}]}``:
``parameters`` is left out when empty, comments are dropped, and parameters keep their source
text, quotes included (``add_header X "a b";`` gives ``"\\"a b\\""``; ``if ($a ~ b)`` gives
``"($a"``, ``"~"``, ``"b)"``). gonginx also reshapes a few blocks, reproduced here: in ``http`` the
``server`` blocks come after the other directives; in ``upstream`` the name is the only parameter
and the ``server`` entries come last; a ``server`` line (no block) lists its address, then its
``key=value`` options sorted by key, then its flags; a ``server`` block has no parameters.

crossplane's lexer drops the quote characters, so each token is found again in the text (the
lexer's tokens come in order) to keep its source form. ``include`` is never followed: the
directive stays as it is written, as in conftest.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from crossplane.errors import NgxParserBaseException
from crossplane.lexer import _balance_braces, _lex_file_object

from sentinel.parsers._common import excerpt, fail, strip_bom

MAX_DEPTH = 64
_SPECIAL = ("{", "}", ";")


class _NginxError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _Token:
    __slots__ = ("line", "quoted", "raw", "text")

    def __init__(self, text: str, line: int, quoted: bool, raw: str) -> None:
        self.text, self.line, self.quoted, self.raw = text, line, quoted, raw

    def is_(self, special: str) -> bool:
        return not self.quoted and self.text == special


def _tokens(text: str) -> Iterator[_Token]:
    """crossplane's tokens, each with its source text (quotes and escapes as written)."""
    cursor = 0
    for value, line, quoted in _balance_braces(_lex_file_object(io.StringIO(text))):
        while cursor < len(text) and text[cursor].isspace():
            cursor += 1
        if quoted:
            end = _closing_quote(text, cursor)
            if end is None:
                raise _NginxError("unterminated quoted string", line)
            raw, cursor = text[cursor:end + 1], end + 1
        elif text.startswith(value, cursor):
            raw, cursor = value, cursor + len(value)
        else:
            raise _NginxError(f"cannot locate token {excerpt(value, 20)!r}", line)
        yield _Token(value, line, quoted, raw)


def _closing_quote(text: str, start: int) -> int | None:
    """The index of the quote closing the one at ``start`` (a backslash escapes any character)."""
    if start >= len(text) or text[start] not in "\"'":
        return None
    quote, index = text[start], start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index
        index += 1
    return None


def _upstream_server(parameters: list[str]) -> list[str]:
    """gonginx's ``UpstreamServer``: address, ``key=value`` sorted by key (last one wins), flags."""
    if not parameters:
        return []
    options: dict[str, str] = {}
    flags: list[str] = []
    for parameter in parameters[1:]:
        if "=" in parameter:
            key, value = parameter.split("=", 1)
            options[key] = value
        else:
            flags.append(parameter)
    return [parameters[0], *(f"{k}={options[k]}" for k in sorted(options)), *flags]


def _directive(name: str, parameters: list[str], block: list[dict[str, Any]] | None) -> dict[str, Any]:
    if block is None and name == "server":
        parameters = _upstream_server(parameters)
    elif block is not None and name in ("http", "server"):
        parameters = []
    elif block is not None and name == "upstream":
        parameters = parameters[:1]
    if block is not None and name in ("http", "upstream"):
        # http keeps server blocks apart, upstream its server lines: both list them last.
        block = [d for d in block if d["name"] != "server"] + [d for d in block if d["name"] == "server"]
    out: dict[str, Any] = {"name": name}
    if parameters:
        out["parameters"] = parameters
    if block is not None:
        out["block"] = {"directives": block}
    return out


def _block(tokens: Iterator[_Token], depth: int) -> list[dict[str, Any]]:
    if depth > MAX_DEPTH:
        raise _NginxError(f"blocks nested more than {MAX_DEPTH} deep", None)
    directives: list[dict[str, Any]] = []
    for token in tokens:
        if token.is_("}"):
            return directives
        if not token.quoted and token.text.startswith("#"):
            continue
        if token.is_(";") or token.is_("{"):
            raise _NginxError(f"unexpected {token.text!r}", token.line)
        directives.append(_statement(token, tokens, depth))
    if depth:
        raise _NginxError("unexpected end of file in a block", None)
    return directives


def _statement(name: _Token, tokens: Iterator[_Token], depth: int) -> dict[str, Any]:
    parameters: list[str] = []
    for token in tokens:
        if token.is_(";"):
            return _directive(name.raw, parameters, None)
        if token.is_("{"):
            return _directive(name.raw, parameters, _block(tokens, depth + 1))
        if token.is_("}"):
            raise _NginxError(f"directive {name.raw[:40]!r} has no ending ';'", token.line)
        if not token.quoted and token.text.startswith("#"):
            continue
        parameters.append(token.raw)
    raise _NginxError(f"directive {name.raw[:40]!r} has no ending ';'", name.line)


class NginxParser:
    """nginx configuration in conftest's shape (see the module docstring)."""

    name = "nginx"
    extensions: tuple[str, ...] = ("nginx",)

    def parse(self, text: str, filename: str) -> Any:
        try:
            return {"directives": _block(_tokens(strip_bom(text)), 0)}
        except _NginxError as exc:
            raise fail(filename, f"invalid nginx: {exc}", exc.line) from None
        except NgxParserBaseException as exc:
            raise fail(filename, f"invalid nginx: {exc.strerror}", exc.lineno) from None
