"""Safe, reproducible archives: hostile tar files are refused with a distinct reason."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from sentinel.runtime.bundles.archive import read_archive, write_archive
from sentinel.runtime.bundles.build import build_bundle
from sentinel.runtime.bundles.errors import ArchiveError
from sentinel.runtime.bundles.limits import Limits
from tests.runtime.bundles.conftest import write_policies


def hostile_tar(*members: tuple[str, bytes | None, bytes], gzip_it: bool = True) -> bytes:
    """A tar.gz built member by member the way an attacker would: (name, type, content)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, kind, content in members:
            info = tarfile.TarInfo(name)
            info.type = kind or tarfile.REGTYPE
            if info.type == tarfile.REGTYPE:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
            else:
                info.linkname = content.decode()
                tar.addfile(info)
    return gzip.compress(raw.getvalue()) if gzip_it else raw.getvalue()


def reason_of(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(ArchiveError) as caught:
        read_archive(data, limits)
    return caught.value.reason


def test_the_same_sources_build_byte_identical_archives(tmp_path: Path) -> None:
    first = build_bundle([write_policies(tmp_path / "a")], revision="r1")
    second = build_bundle([write_policies(tmp_path / "b")], revision="r1")
    assert first == second


def test_archive_entries_have_fixed_metadata_and_sorted_names() -> None:
    data = write_archive({"b.rego": b"package b\n", "a/data.json": b"{}", ".manifest": b"{}"})
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == [".manifest", "a/data.json", "b.rego"]
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {
        (0, 0, 0, "", "", 0o644)
    }


def test_gzip_header_carries_no_file_name_and_no_time() -> None:
    data = write_archive({"x.rego": b"package x\n"})
    flags, mtime = data[3], int.from_bytes(data[4:8], "little")
    assert flags & 0x08 == 0  # FNAME
    assert mtime == 0


def test_opa_style_leading_slash_names_are_read_relative_to_the_bundle() -> None:
    files = read_archive(hostile_tar(("/data.json", None, b"{}"), ("/x/p.rego", None, b"package x\n")))
    assert sorted(files) == ["data.json", "x/p.rego"]


def test_parent_directory_segments_are_refused() -> None:
    assert reason_of(hostile_tar(("../../etc/cron.d/evil", None, b"x"))) == "path_traversal"


def test_parent_directory_segments_inside_a_path_are_refused() -> None:
    assert reason_of(hostile_tar(("policies/../../evil.rego", None, b"x"))) == "path_traversal"


@pytest.mark.parametrize("name", ["//etc/passwd", "C:/Windows/evil.rego", "/C:/evil.rego"])
def test_absolute_paths_are_refused(name: str) -> None:
    assert reason_of(hostile_tar((name, None, b"x"))) == "absolute_path"


def test_backslash_names_are_refused() -> None:
    assert reason_of(hostile_tar(("..\\..\\evil.rego", None, b"x"))) == "bad_name"


def test_symlinks_are_refused() -> None:
    assert reason_of(hostile_tar(("data.json", tarfile.SYMTYPE, b"/etc/passwd"))) == "link_member"


def test_hard_links_are_refused() -> None:
    data = hostile_tar(("a.rego", None, b"package a\n"), ("b.rego", tarfile.LNKTYPE, b"a.rego"))
    assert reason_of(data) == "link_member"


def test_device_members_are_refused() -> None:
    assert reason_of(hostile_tar(("dev", tarfile.CHRTYPE, b""))) == "special_member"


def test_duplicate_names_are_refused() -> None:
    data = hostile_tar(("p.rego", None, b"package a\n"), ("p.rego", None, b"package b\n"))
    assert reason_of(data) == "duplicate_name"


def test_names_that_collide_after_the_leading_slash_is_dropped_are_duplicates() -> None:
    data = hostile_tar(("/data.json", None, b"{}"), ("data.json", None, b'{"a": 1}'))
    assert reason_of(data) == "duplicate_name"


def test_a_gzip_bomb_stops_at_the_decompressed_size_limit() -> None:
    bomb = hostile_tar(("data.json", None, b"0" * (8 * 1024 * 1024)))
    assert len(bomb) < 64 * 1024
    limits = Limits(max_total_bytes=1024 * 1024, max_file_bytes=64 * 1024 * 1024)
    assert reason_of(bomb, limits) == "size_limit"


def test_a_member_larger_than_the_file_limit_is_refused() -> None:
    data = hostile_tar(("big.rego", None, b"#" * 5000))
    assert reason_of(data, Limits(max_file_bytes=4096)) == "size_limit"


def test_too_many_members_are_refused() -> None:
    data = hostile_tar(*[(f"f{i}.rego", None, b"") for i in range(11)])
    assert reason_of(data, Limits(max_files=10)) == "too_many_files"


def test_a_plain_tar_is_not_a_bundle() -> None:
    assert reason_of(hostile_tar(("a.rego", None, b"x"), gzip_it=False)) == "not_gzip"


def test_a_truncated_archive_is_refused() -> None:
    data = hostile_tar(("a.rego", None, bytes(range(256)) * 64))
    assert reason_of(data[: len(data) // 2]) == "corrupt_archive"


def test_a_file_that_is_also_a_folder_is_refused() -> None:
    data = hostile_tar(("authz", None, b"x"), ("authz/p.rego", None, b"package authz\n"))
    assert reason_of(data) == "duplicate_name"
