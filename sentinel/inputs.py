"""Writing and naming the extracted input documents on disk (``.sentinel/inputs/<kind>.json``)."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from sentinel.safe_write import Place, owned_dir

DEFAULT_OUT = ".sentinel/inputs"


@dataclass(frozen=True)
class WrittenDocument:
    path: Path
    sha256: str


_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2
# Types whose orjson text is the stdlib's (checked by tests/runner/test_output_speed.py); bool
# and None are listed because the check compares exact types.
_PLAIN = (str, int, bool, type(None))


def dumps(document: dict[str, Any]) -> str:
    """Deterministic JSON: the same tree gives byte-identical files.

    The bytes are those of ``json.dumps(sort_keys=True, indent=2, ensure_ascii=False)``, whose
    indenting encoder is pure Python (~20x slower than orjson on Django's documents). orjson writes
    the same text for the plain types; anything else (floats below 1e-4 or not finite, tuples,
    other classes) and what orjson refuses (integers past 64 bits, non-str keys, lone surrogates,
    deep nesting) takes the stdlib path.
    """
    if _orjson_safe(document):
        try:
            return orjson.dumps(document, option=_ORJSON_OPTIONS).decode("utf-8") + "\n"
        except orjson.JSONEncodeError:
            pass
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _orjson_safe(document: Any) -> bool:
    """True when every value is a dict, list or plain scalar on which orjson and the stdlib agree
    (orjson writes 1e-05 as 0.00001 and 1e-07 as 1e-7, and NaN as null)."""
    stack = [document]
    pop, extend = stack.pop, stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind is dict:
            extend(node.values())
        elif kind is list:
            extend(node)
        elif kind is float:
            if not (node == 0.0 or (math.isfinite(node) and abs(node) >= 1e-4)):
                return False
        elif kind not in _PLAIN:
            return False
    return True


def is_input_document(name: str, data: bytes) -> bool:
    """An input document an earlier Sentinel wrote (before folders carried the ownership marker)."""
    if not name.endswith(".json"):
        return False
    try:
        raw = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(raw, dict) and raw.get("kind") == name[: -len(".json")] and "schema_version" in raw


def write_documents(
    out_dir: Path, documents: dict[str, dict[str, Any]], place: Place | None = None
) -> dict[str, WrittenDocument]:
    """Write each document atomically into a folder Sentinel owns (see sentinel.safe_write).

    ``place`` defaults to the working directory, confined: pass ``confine=False`` only for a
    folder the user named on the command line or in the environment.
    """
    written: dict[str, WrittenDocument] = {}
    with owned_dir(out_dir, place or Place(Path.cwd()), is_input_document) as folder:
        for kind, document in sorted(documents.items()):
            data = dumps(document).encode("utf-8")
            path = folder.write(f"{kind}.json", data)
            written[kind] = WrittenDocument(path, "sha256:" + hashlib.sha256(data).hexdigest())
    return written
