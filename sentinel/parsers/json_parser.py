"""JSON, and streams of JSON values (NDJSON), as conftest's ``json`` parser reads them."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from sentinel.parsers._common import fail, strip_bom


def _reject_constant(name: str) -> NoReturn:
    # Python accepts NaN and Infinity; JSON (and conftest) do not.
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


class JsonParser:
    """One JSON value per file; a file holding several values (NDJSON) gives a list of documents."""

    name = "json"
    extensions: tuple[str, ...] = ("json", "ndjson")

    def parse(self, text: str, filename: str) -> Any:
        text = strip_bom(text)
        try:
            return _DECODER.decode(text)
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data":
                raise fail(filename, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
        except ValueError as exc:
            raise fail(filename, f"invalid JSON: {exc}") from None
        except RecursionError:
            raise fail(filename, "invalid JSON: nested too deeply") from None
        return self._stream(text, filename)

    @staticmethod
    def _stream(text: str, filename: str) -> list[Any]:
        decoder = _DECODER
        documents: list[Any] = []
        pos, end = 0, len(text)
        while True:
            while pos < end and text[pos] in " \t\r\n":
                pos += 1
            if pos >= end:
                return documents
            try:
                value, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise fail(filename, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
            except ValueError as exc:
                raise fail(filename, f"invalid JSON: {exc}") from None
            documents.append(value)
