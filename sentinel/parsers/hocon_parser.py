"""HOCON (Typesafe/Lightbend config) via pyhocon."""

from __future__ import annotations

import os
import re
from typing import Any

import pyparsing
from pyhocon import ConfigFactory, ConfigTree
from pyhocon.exceptions import ConfigException

from sentinel.parsers._common import fail, jsonable, line_in, strip_bom

_URL_INCLUDE = re.compile(r"\binclude\s+(?:required\s*\(\s*)?(?:url\s*\(|\"(?:https?|file)://)")


class HoconParser:
    """The resolved HOCON tree with its real types (numbers, booleans, lists, objects).

    ``include "file"`` resolves relative to the file's folder; ``include url(...)`` is refused,
    since parsing must not reach the network.
    """

    name = "hocon"
    extensions: tuple[str, ...] = ("hocon",)

    def parse(self, text: str, filename: str) -> Any:
        text = strip_bom(text)
        url_include = _URL_INCLUDE.search(text)
        if url_include:
            line = text.count("\n", 0, url_include.start()) + 1
            raise fail(filename, "invalid HOCON: URL includes are not supported", line)
        folder = os.path.dirname(os.path.abspath(filename)) if filename != "-" else None
        try:
            tree = ConfigFactory.parse_string(text, basedir=folder)
        except pyparsing.ParseBaseException as exc:
            # pyparsing's message spells out its whole grammar; the position is what helps.
            expected = exc.msg if len(exc.msg) <= 60 else "syntax error"
            raise fail(filename, f"invalid HOCON: {expected} (column {exc.col})", exc.lineno) from None
        except (ConfigException, OSError) as exc:
            message = re.sub(r"\s*\(line: \d+, col: \d+\)", "", str(exc))
            raise fail(filename, f"invalid HOCON: {message}", line_in(str(exc), r"\(line: (\d+)")) from None
        plain = tree.as_plain_ordered_dict() if isinstance(tree, ConfigTree) else tree
        try:
            return jsonable(plain)
        except ValueError as exc:
            raise fail(filename, f"invalid HOCON: {exc}") from None
