"""Packs from folders: content-addressed revisions, tenant folders, hostile layouts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sentinel.errors import PolicyError, UsageError
from sentinel.runtime.decision.packs import content_digest, folder_pack, tenant_packs

POLICY = 'package sentinel.decision\nimport rego.v1\ndeny contains "no" if input.action == "delete"\n'


def test_the_content_digest_hashes_the_canonical_modules_and_data() -> None:
    canonical = (
        '{"data":{"a":[1,"x"],"b":true},"modules":[["a.rego","package a\\n"],["b.rego","package b\\n"]]}'
    )
    digest = content_digest(
        [("b.rego", "package b\n"), ("a.rego", "package a\n")], {"b": True, "a": [1, "x"]}
    )
    assert digest == hashlib.sha256(canonical.encode()).hexdigest()


def test_data_that_has_no_canonical_form_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="canonical"):
        content_digest([], {"n": 2**60})


def test_two_roots_holding_the_same_file_name_both_load(tmp_path: Path) -> None:
    for root, rule in (("one", "deny"), ("two", "warn")):
        (tmp_path / root).mkdir()
        (tmp_path / root / "policy.rego").write_text(
            f'package sentinel.decision\nimport rego.v1\n{rule} contains "{root}" if true\n'
        )
    pack = folder_pack([tmp_path / "one", tmp_path / "two"], [], decision_package="sentinel.decision")
    assert pack.defines_deny and pack.defines_warn
    assert len({path for path, _ in pack.modules}) == 2


def test_a_symbolic_link_as_a_tenant_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "d.rego").write_text(POLICY)
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "acme").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(PolicyError, match="symbolic link"):
        tenant_packs(tmp_path / "packs", [], decision_package="sentinel.decision")


def test_a_tenant_packs_folder_without_tenant_folders_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("nothing here")
    with pytest.raises(UsageError, match="no tenant folder"):
        tenant_packs(tmp_path, [], decision_package="sentinel.decision")


def test_a_tenant_folder_without_policies_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "acme").mkdir()
    with pytest.raises(UsageError, match="no policies"):
        tenant_packs(tmp_path, [], decision_package="sentinel.decision")


def test_shared_data_and_tenant_data_are_merged(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "data.json").write_text('{"limits": {"max": 3}}')
    (tmp_path / "packs" / "acme" / "tenant").mkdir(parents=True)
    (tmp_path / "packs" / "acme" / "d.rego").write_text(POLICY)
    (tmp_path / "packs" / "acme" / "tenant" / "data.json").write_text('{"name": "Acme"}')
    packs = tenant_packs(tmp_path / "packs", [tmp_path / "shared"], decision_package="sentinel.decision")
    assert packs["acme"].data == {"limits": {"max": 3}, "tenant": {"name": "Acme"}}
