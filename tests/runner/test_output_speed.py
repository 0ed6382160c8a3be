"""The input documents are rendered with orjson; the bytes must stay those of the stdlib encoder."""

from __future__ import annotations

import json
import math
import random
import struct
from typing import Any

import pytest

from sentinel.inputs import dumps, write_documents
from sentinel.outputs.json import _sorted, _sorted_fast
from sentinel.safe_write import Place


def stdlib(document: Any) -> str:
    """The oracle: how the documents were written before orjson."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


TRICKY: list[Any] = [
    {"b": 1, "a": {"z": [], "y": {}, "é": "naïve ☃ 😀", "A": None}},
    {"floats": [1e16, 1e15, 0.1, -0.0, 0.0, 1.0, 3.14, 1e-4, 1e-5, 1e-7, 9.999999999999999e-05, 1e-10]},
    {"huge": [1e300, 1.7976931348623157e308, 5e-324]},
    {"nonfinite": [math.inf, -math.inf]},
    {"nan": math.nan},
    {"big": [2**64, -(2**63) - 1, 10**40], "edges": [2**63 - 1, -(2**63), 2**64 - 1]},
    {"control": "\x00\x1f\x7f\u2028\u2029 \"quoted\" back\\slash\n\t\r\b\f <&>"},
    {"nested": [[[{"k": [1, [2, {"x": [True, False, None]}]]}]]]},
    {"tuple": (1, 2, {"b": 2, "a": 1})},
    {"keys": {"10": 1, "9": 2, "Z": 3, "a": 4, "ä": 5, "\U0001f600": 6, "\uffff": 7}},
    {"int_keys": {2: "b", 1: "a"}},
    {"bool_and_int": [True, 1, False, 0]},
    {"empty": [{}, [], ""]},
    {"deep": json.loads("[" * 300 + "]" * 300)},
]


@pytest.mark.parametrize("document", TRICKY, ids=range(len(TRICKY)))
def test_dumps_matches_the_stdlib_on_tricky_values(document: Any) -> None:
    assert dumps(document) == stdlib(document)


def test_dumps_matches_the_stdlib_on_random_floats() -> None:
    rng = random.Random(18)
    floats = [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(3000)]
    floats += [rng.uniform(-1, 1) * 10 ** rng.randint(-12, 20) for _ in range(3000)]
    floats = [f for f in floats if not math.isnan(f)]
    for chunk in range(0, len(floats), 100):
        document = {"values": floats[chunk : chunk + 100], "one": {"f": floats[chunk]}}
        assert dumps(document) == stdlib(document)


def test_a_lone_surrogate_fails_as_before(tmp_path: Any) -> None:
    """The stdlib writes a lone surrogate, which UTF-8 then refuses: the same error as before."""
    with pytest.raises(UnicodeEncodeError):
        write_documents(tmp_path / "out", {"x": {"kind": "x", "v": "\ud800"}}, Place(tmp_path))


def test_written_documents_are_the_stdlib_bytes(tmp_path: Any) -> None:
    documents = {"files": {"kind": "files", "schema_version": "1", "files": [{"path": "é/ä.py", "lines": 3}]}}
    written = write_documents(tmp_path / "out", documents, Place(tmp_path))
    assert written["files"].path.read_text(encoding="utf-8") == stdlib(documents["files"])


@pytest.mark.parametrize(
    "metadata",
    [
        {"severity": "high", "rule": "r", "query": "q", "n": 1, "f": 0.5, "ok": True, "none": None},
        {"z": {"b": 1, "a": 2}, "a": [{"d": 1, "c": 2}], "é": "x", "E": "y"},
        {"big": 2**70, "b": "x"},
        {},
    ],
)
def test_metadata_sorting_matches_the_python_oracle(metadata: dict[str, Any]) -> None:
    fast = _sorted_fast(metadata)
    assert json.dumps(fast) == json.dumps(_sorted(metadata))
