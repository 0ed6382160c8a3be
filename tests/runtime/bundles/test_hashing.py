"""OPA's file digests and the constitution hash, against digests computed by hand with hashlib."""

from __future__ import annotations

import hashlib

import pytest

from sentinel.runtime.bundles.errors import BundleError
from sentinel.runtime.bundles.hashing import constitution_hash, file_digest, file_entries, go_float


def sha256(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def test_policy_files_are_hashed_as_raw_bytes() -> None:
    content = b"package x\n\n  allow := true\n"
    assert file_digest("x/p.rego", content) == sha256(content)


def test_json_data_is_hashed_with_sorted_keys_and_no_whitespace() -> None:
    content = b'{ "b": [1, 2.50, true, null],\n  "a": {"z": "x", "y": -0} }'
    assert file_digest("data.json", content) == sha256('{"a":{"y":-0,"z":"x"},"b":[1,2.50,true,null]}')


def test_json_numbers_keep_their_literal_text() -> None:
    assert file_digest("data.json", b'{"n": 1E+2}') == sha256('{"n":1E+2}')


def test_json_strings_are_escaped_as_go_writes_them_without_html_escaping() -> None:
    content = b'{"s": "<a>&\\u2028\\u0001\\b\\f\\n\\u007f\\u00e9"}'
    assert file_digest("data.json", content) == sha256('{"s":"<a>&\\u2028\\u0001\\b\\f\\n\x7f\u00e9"}')


def test_a_utf8_bom_before_json_is_ignored() -> None:
    assert file_digest("data.json", b'\xef\xbb\xbf{"a": 1}') == sha256('{"a":1}')


def test_the_manifest_is_a_structured_file() -> None:
    assert file_digest(".manifest", b'{"roots": [""], "revision": "r"}') == sha256(
        '{"revision":"r","roots":[""]}'
    )


def test_yaml_data_is_hashed_as_the_json_it_converts_to() -> None:
    content = b"b: 1.0\na:\n  - yes\n  - 2024-01-02\n  - 1.5\n  - 1_000\n  - 0x1F\n  - True\n"
    assert file_digest("x/data.yaml", content) == sha256(
        '{"a":["yes","2024-01-02",1.5,1000,31,true],"b":1}'
    )


def test_yaml_keys_one_and_true_stay_distinct() -> None:
    assert file_digest("data.yaml", b"1: a\ntrue: b\n") == sha256('{"1":"a","true":"b"}')


def test_a_yaml_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    with pytest.raises(BundleError, match="more than"):
        file_digest("data.yaml", "\n".join(lines).encode())


def test_other_json_files_are_not_structured() -> None:
    content = b'{"b": 1,  "a": 2}'
    assert file_digest("schema.json", content) == sha256(content)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.5e-7, "1.5e-7"),
        (1e-6, "0.000001"),
        (-0.0, "-0"),
        (0.1, "0.1"),
    ],
)
def test_floats_from_yaml_are_written_as_go_writes_a_float64(value: float, text: str) -> None:
    assert go_float(value) == text


def test_weak_hash_algorithms_are_refused() -> None:
    with pytest.raises(Exception, match="weak_hash"):
        file_digest("p.rego", b"x", "MD5")


def test_signatures_are_not_part_of_the_file_entries() -> None:
    entries = file_entries({".signatures.json": b"{}", "p.rego": b"package p\n"})
    assert [e["name"] for e in entries] == ["p.rego"]


def test_constitution_hash_matches_the_documented_test_vector() -> None:
    files = {
        ".manifest": b'{"revision":"2026-12-07","roots":["authz"]}',
        "authz/data.json": b'{"admins": ["alice"]}',
        "authz/policy.rego": b"package authz\n",
    }
    manifest_hash = sha256('{"revision":"2026-12-07","roots":["authz"]}')
    data_hash = sha256('{"admins":["alice"]}')
    policy_hash = sha256("package authz\n")
    canonical = (
        '{"files":['
        f'{{"algorithm":"SHA-256","hash":"{manifest_hash}","name":".manifest"}},'
        f'{{"algorithm":"SHA-256","hash":"{data_hash}","name":"authz/data.json"}},'
        f'{{"algorithm":"SHA-256","hash":"{policy_hash}","name":"authz/policy.rego"}}'
        "]}"
    )
    result = constitution_hash(file_entries(files))
    assert result == sha256(canonical)
    assert result == "8121e7a9a3aca340f2351716424ec1466ecd05e8933e9e0780f0181efbf4f6f7"  # docs/bundles.md


def test_yaml_float_keys_are_written_as_go_formats_a_float32() -> None:
    content = b"1.5: a\n1000000.0: b\n0.00001: c\n3.14159265: d\n"
    assert file_digest("data.yaml", content) == sha256('{"1.5":"a","1e+06":"b","1e-05":"c","3.1415927":"d"}')
