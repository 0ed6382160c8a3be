"""sentinel.safe_write: atomic writes that follow no symlink and stay where they belong."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sentinel.safe_write import MARKER, Place, UnsafeWriteError, owned_dir, remove_file, write_file


def _never(_name: str, _data: bytes) -> bool:
    return False


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_a_file_is_written_with_its_missing_folders_and_no_temp_file_left(tmp_path: Path) -> None:
    write_file(Path("a/b/out.json"), b"{}", Place(tmp_path))
    assert (tmp_path / "a" / "b" / "out.json").read_bytes() == b"{}"
    assert _listing(tmp_path / "a" / "b") == ["out.json"]


def test_a_symlinked_folder_on_the_way_is_refused_and_nothing_lands_behind_it(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (repo / "out").symlink_to(outside)
    with pytest.raises(UnsafeWriteError, match="'out' on the way is a symlink"):
        write_file(Path("out/r.json"), b"{}", Place(repo))
    assert _listing(outside) == []


def test_a_symlink_at_the_target_is_refused_and_its_target_kept(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "r.json").symlink_to(victim)
    with pytest.raises(UnsafeWriteError, match="is a symlink"):
        write_file(Path("r.json"), b"{}", Place(tmp_path))
    assert victim.read_text() == "precious"
    assert (tmp_path / "r.json").is_symlink()


def test_a_confined_path_may_not_leave_the_anchor(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    with pytest.raises(UnsafeWriteError, match="outside the repository"):
        write_file(Path("../elsewhere.json"), b"{}", Place(tmp_path / "repo"))
    assert not (tmp_path / "elsewhere.json").exists()


def test_a_path_the_user_named_may_leave_the_anchor(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    write_file(Path("../reports/r.json"), b"{}", Place(tmp_path / "repo", confine=False))
    assert (tmp_path / "reports" / "r.json").read_bytes() == b"{}"


def test_an_existing_file_the_caller_does_not_recognise_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UnsafeWriteError, match="not a file Sentinel wrote"):
        write_file(Path("notes.txt"), b"{}", Place(tmp_path), replaceable=lambda data: False)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_remove_file_removes_only_what_the_caller_recognises(tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text("[]")
    (tmp_path / "keep.json").write_text("keep")
    assert remove_file(Path("old.json"), Place(tmp_path), lambda data: data == b"[]")
    assert not (tmp_path / "old.json").exists()
    with pytest.raises(UnsafeWriteError):
        remove_file(Path("keep.json"), Place(tmp_path), lambda data: data == b"[]")
    assert (tmp_path / "keep.json").read_text() == "keep"
    assert not remove_file(Path("gone/none.json"), Place(tmp_path), lambda data: True)


def test_remove_file_leaves_a_symlink_and_its_target(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("[]")
    (tmp_path / "r.json").symlink_to(victim)
    with pytest.raises(UnsafeWriteError, match="symlink"):
        remove_file(Path("r.json"), Place(tmp_path), lambda data: True)
    assert victim.read_text() == "[]"


def test_a_new_output_folder_gets_the_marker(tmp_path: Path) -> None:
    with owned_dir(Path("out/inputs"), Place(tmp_path), _never) as folder:
        assert folder.write("files.json", b"{}") == Path("out/inputs/files.json")
    assert _listing(tmp_path / "out" / "inputs") == [MARKER, "files.json"]


def test_a_folder_with_files_sentinel_did_not_write_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "coverage.json").write_text('{"totals": 1}')
    refused = pytest.raises(UnsafeWriteError, match=r"files Sentinel did not write \(coverage.json\)")
    with refused, owned_dir(Path("."), Place(tmp_path), _never) as folder:
        folder.write("coverage.json", b"{}")
    assert (tmp_path / "coverage.json").read_text() == '{"totals": 1}'
    assert _listing(tmp_path) == ["coverage.json"]


def test_a_folder_of_recognised_files_is_adopted(tmp_path: Path) -> None:
    (tmp_path / "files.json").write_text("old")
    with owned_dir(Path("."), Place(tmp_path), lambda name, data: data == b"old") as folder:
        folder.write("files.json", b"new")
    assert (tmp_path / "files.json").read_text() == "new"
    assert (tmp_path / MARKER).is_file()


def test_a_forged_marker_is_not_accepted(tmp_path: Path) -> None:
    (tmp_path / MARKER).write_text("anything")
    with (
        pytest.raises(UnsafeWriteError, match="not the marker"),
        owned_dir(Path("."), Place(tmp_path), _never),
    ):
        pass
