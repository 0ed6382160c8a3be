"""read_bundle: the exact signed file set, every digest, the scope, and the manifest's roots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentinel.runtime.bundles.archive import read_archive, write_archive
from sentinel.runtime.bundles.build import build_bundle, sign_bundle
from sentinel.runtime.bundles.errors import BundleError
from sentinel.runtime.bundles.reader import read_bundle
from sentinel.runtime.bundles.signing import KeySet, load_signing_key
from tests.runtime.bundles.conftest import POLICY, private_pem, public_pem


@pytest.fixture
def signed(policy_dir: Path, ec_key: Any) -> bytes:
    archive, _ = sign_bundle(
        build_bundle([policy_dir], revision="r1"), load_signing_key(private_pem(ec_key))
    )
    return archive


@pytest.fixture
def keys(ec_key: Any) -> KeySet:
    return KeySet.from_pem(public_pem(ec_key))


def edited(archive: bytes, **changes: bytes | None) -> bytes:
    files = read_archive(archive)
    for name, content in changes.items():
        name = name.replace("__", "/").replace("_dot_", ".")
        if content is None:
            del files[name]
        else:
            files[name] = content
    return write_archive(files)


def reason(archive: bytes, keys: KeySet | None = None, **kwargs: Any) -> str:
    with pytest.raises(BundleError) as caught:
        read_bundle(archive, keys=keys, **kwargs)
    return caught.value.reason


def test_a_signed_bundle_gives_its_policies_data_revision_and_signer(signed: bytes, keys: KeySet) -> None:
    bundle = read_bundle(signed, keys=keys)
    assert bundle.revision == "r1"
    assert bundle.modules == [("authz/policy.rego", POLICY)]
    assert bundle.data == {"authz": {"admins": ["alice", "bob"]}}
    assert bundle.signed_by == "default"
    assert len(bundle.constitution_hash) == 64


def test_reading_from_a_path_gives_the_same_bundle(signed: bytes, keys: KeySet, tmp_path: Path) -> None:
    (tmp_path / "b.tar.gz").write_bytes(signed)
    assert read_bundle(tmp_path / "b.tar.gz", keys=keys) == read_bundle(signed, keys=keys)


def test_a_tampered_file_is_refused(signed: bytes, keys: KeySet) -> None:
    tampered = edited(signed, authz__policy_dot_rego=POLICY.replace("not allow", "false").encode())
    assert reason(tampered, keys) == "digest_mismatch"


def test_an_added_file_is_refused(signed: bytes, keys: KeySet) -> None:
    added = edited(signed, authz__backdoor_dot_rego=b"package authz\n\nallow := true\n")
    assert reason(added, keys) == "file_not_signed"


def test_a_removed_file_is_refused(signed: bytes, keys: KeySet) -> None:
    assert reason(edited(signed, authz__data_dot_json=None), keys) == "file_missing"


def test_a_wrong_scope_is_refused(policy_dir: Path, ec_key: Any, keys: KeySet) -> None:
    archive, _ = sign_bundle(
        build_bundle([policy_dir]), load_signing_key(private_pem(ec_key)), scope="prod"
    )
    assert reason(archive, keys, scope="staging") == "scope_mismatch"


def test_a_scoped_signature_is_refused_when_no_scope_is_expected(
    policy_dir: Path, ec_key: Any, keys: KeySet
) -> None:
    archive, _ = sign_bundle(
        build_bundle([policy_dir]), load_signing_key(private_pem(ec_key)), scope="prod"
    )
    assert reason(archive, keys) == "scope_mismatch"


def test_an_unsigned_bundle_is_refused_when_keys_are_given(policy_dir: Path, keys: KeySet) -> None:
    assert reason(build_bundle([policy_dir]), keys) == "unsigned"


def test_two_signatures_are_refused(signed: bytes, keys: KeySet) -> None:
    token = json.loads(read_archive(signed)[".signatures.json"])["signatures"][0]
    doubled = edited(signed, _dot_signatures_dot_json=json.dumps({"signatures": [token, token]}).encode())
    assert reason(doubled, keys) == "bad_signatures"


def test_reformatted_json_data_still_verifies(signed: bytes, keys: KeySet) -> None:
    reformatted = edited(signed, authz__data_dot_json=b'{\n  "admins": [ "alice",  "bob" ]\n}\n')
    assert read_bundle(reformatted, keys=keys).data == {"authz": {"admins": ["alice", "bob"]}}


def test_re_signing_with_another_key_keeps_the_constitution_hash(
    signed: bytes, keys: KeySet, rsa_key: Any
) -> None:
    again, _ = sign_bundle(signed, load_signing_key(private_pem(rsa_key), "rsa"))
    assert read_bundle(again).constitution_hash == read_bundle(signed, keys=keys).constitution_hash


def test_a_new_revision_changes_the_constitution_hash(policy_dir: Path) -> None:
    first = read_bundle(build_bundle([policy_dir], revision="r1"))
    second = read_bundle(build_bundle([policy_dir], revision="r2"))
    assert first.constitution_hash != second.constitution_hash


def test_overlapping_manifest_roots_are_refused() -> None:
    archive = write_archive({".manifest": b'{"revision": "", "roots": ["authz", "authz/admin"]}'})
    assert reason(archive) == "roots_overlap"


def test_a_package_outside_the_roots_is_refused() -> None:
    archive = write_archive({".manifest": b'{"roots": ["authz"]}', "x.rego": b"package billing\n"})
    assert reason(archive) == "policy_outside_roots"


def test_a_quoted_package_segment_is_matched_against_roots_exactly() -> None:
    archive = write_archive({".manifest": b'{"roots": ["a/b"]}', "x.rego": b'package a["b.c"]\n'})
    assert reason(archive) == "policy_outside_roots"


def test_data_outside_the_roots_is_refused() -> None:
    archive = write_archive({".manifest": b'{"roots": ["authz"]}', "data.json": b'{"billing": {"x": 1}}'})
    assert reason(archive) == "data_outside_roots"


def test_data_on_the_way_to_a_root_is_accepted() -> None:
    archive = write_archive({".manifest": b'{"roots": ["a/b"]}', "data.json": b'{"a": {"b": {"x": 1}}}'})
    assert read_bundle(archive).data == {"a": {"b": {"x": 1}}}


def test_conflicting_data_files_are_refused() -> None:
    archive = write_archive({"data.json": b'{"a": {"b": 1}}', "a/data.json": b'{"b": 2}'})
    assert reason(archive) == "data_conflict"


def test_a_manifest_that_is_not_json_is_refused() -> None:
    assert reason(write_archive({".manifest": b"revision: [r1"})) == "unparsable_file"


def test_errors_are_bundle_errors_not_crashes() -> None:
    for data in (b"", b"\x1f\x8b", b"\x1f\x8b\x08\x00" + b"\x00" * 100, "é".encode() * 10):
        with pytest.raises(BundleError):
            read_bundle(data)


def test_data_in_a_folder_may_be_any_json_value() -> None:
    archive = write_archive({"limits/data.json": b"[1, 2]", "data.json": b'{"other": true}'})
    assert read_bundle(archive).data == {"limits": [1, 2], "other": True}


def test_data_files_in_nested_folders_merge() -> None:
    archive = write_archive({"a/data.json": b'{"x": 1}', "a/b/data.yaml": b"y: on\n"})
    assert read_bundle(archive).data == {"a": {"x": 1, "b": {"y": "on"}}}
