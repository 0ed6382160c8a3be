"""Host builtins for OPA Wasm modules: only those Python computes exactly as OPA does.

OPA compiles most builtins into the module; a few (``sprintf`` among them) it leaves to the host
through ``opa_builtinN``. A module that needs a builtin not in :data:`HOST_BUILTINS` is refused
when it is loaded, never at the first request.

``sprintf`` is OPA's ``fmt.Sprintf`` restricted to what can be reproduced byte for byte: the verbs
``%s``, ``%v``, ``%q``, ``%d`` and ``%%`` (no flags, width or precision) on strings, integers,
booleans and null, with results inside the Basic Multilingual Plane. Anything else (a float, an
array, ``%x``, ``%5d``) raises, so the evaluation fails and the decision is deny, rather than return
a message that differs from OPA's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

MAX_SPRINTF_OUTPUT = 64 * 1024
_VERB = re.compile(r"%(.)", re.DOTALL)
_SIMPLE_ESCAPES = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v"}


class BuiltinUnsupported(ValueError):
    """The call cannot be computed exactly as OPA would; the evaluation must fail."""


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote``: printable runes as they are, the others escaped.

    Go's ``unicode.IsPrint`` is "letter, mark, number, punctuation, symbol or U+0020"; Python's
    ``str.isprintable`` is the same set. A code point unassigned in Python's Unicode database may be
    assigned in Go's (newer) one, so it is refused rather than guessed.
    """
    out = ['"']
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif unicodedata.category(char) == "Cn":
            raise BuiltinUnsupported(f"sprintf: U+{code:04X} is unassigned in this host's Unicode database")
        elif code in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[code])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _plain(value: Any, verb: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    raise BuiltinUnsupported(f"sprintf: %{verb} of a {type(value).__name__} is not supported by this host")


def _format(verb: str, value: Any) -> str:
    if verb in ("s", "v"):
        return _plain(value, verb)
    if verb == "q" and isinstance(value, str):
        return go_quote(value)
    if verb == "d" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise BuiltinUnsupported(f"sprintf: %{verb} of a {type(value).__name__} is not supported by this host")


def sprintf(fmt: Any, operands: Any) -> str:
    """OPA's ``sprintf(format, values)`` for the supported verbs; raises for anything else."""
    if not isinstance(fmt, str) or not isinstance(operands, list):
        raise BuiltinUnsupported("sprintf: expects a format string and an array of values")
    values = iter(operands)
    out: list[str] = []
    position = 0
    size = 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[position : match.start()])
        position = match.end()
        verb = match.group(1)
        if verb == "%":
            out.append("%")
            continue
        if verb not in "svqd":
            raise BuiltinUnsupported(f"sprintf: the verb %{verb} (or a flag) is not supported by this host")
        try:
            piece = _format(verb, next(values))
        except StopIteration:
            raise BuiltinUnsupported("sprintf: fewer values than verbs") from None
        size += len(piece)
        if size > MAX_SPRINTF_OUTPUT:
            raise BuiltinUnsupported(f"sprintf: the result exceeds {MAX_SPRINTF_OUTPUT} characters")
        out.append(piece)
    if fmt.endswith("%") and position < len(fmt):
        raise BuiltinUnsupported("sprintf: the format ends with a lone %")
    if next(values, _END) is not _END:
        raise BuiltinUnsupported("sprintf: more values than verbs")
    out.append(fmt[position:])
    result = "".join(out)
    if result and max(result) > "\uffff":
        # The result reaches the module through opa-py-wasm's json.dumps, which escapes such code
        # points as surrogate pairs, and OPA's Wasm JSON parser decodes those wrongly (U+2C389
        # arrives as U+1C389): refuse rather than hand the policy a different string.
        raise BuiltinUnsupported(
            "sprintf: a result with code points above U+FFFF cannot reach the module intact"
        )
    return result


_END = object()

HOST_BUILTINS: Mapping[str, Callable[..., Any]] = MappingProxyType({"sprintf": sprintf})
