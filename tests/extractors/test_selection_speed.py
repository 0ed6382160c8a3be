"""The fixed cost of a run: the selection's joined globs and single ``lstat``, and the small kinds
that load their heavy dependencies (protobuf, the imports and tests parsers) only when there is
work for them. Same selections and documents as before, less start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pathspec
import pytest

from sentinel.extractors.run import run_extractors
from sentinel.extractors.selection import GlobSet, matching, refine, select

GLOBS = [
    ".sentinel/", ".venv/", "__pycache__/", "**/vendor/**", "**/node_modules/**", "*.min.js", "/docs",
    "src/*", "*.py", "docs/**/*.txt", "[ab]*.py", "a?c", "lib/", "**/migrations", "#comment", "",
    "\\#x", "**", "*", "weird(name)", "x<y>", "!keep.py", "build/**/!out", "*.PY",
]
PATHS = [
    "a.py", "b.py", "c.py", "abc", "a/c", "keep.py", "src/x.py", "src/deep/x.py", "docs", "docs/a.txt",
    "sub/docs/a.txt", "docs/x/y.txt", "lib/z.go", "x/lib/z.go", "app/migrations/0001.py",
    "web/static/jquery.min.js", "x/node_modules/y/z.js", "vendor/a", "a/vendor", "/lead/slash.py",
    ".venv/bin/python", "pkg/__pycache__/m.pyc", "#comment", "#x", "weird(name)", "x<y>", "A.PY",
    "build/a/!out", "name\nwith/newline.py", "caf\u00e9.py",
]


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_globset_matches_exactly_what_pathspec_matches(size: int) -> None:
    """Every window of ``size`` globs, negated and group-like ones included, against every path."""
    for start in range(len(GLOBS)):
        globs = [GLOBS[(start + k) % len(GLOBS)] for k in range(size)]
        spec = pathspec.PathSpec.from_lines("gitwildmatch", globs)
        fast = GlobSet(globs)
        for path in PATHS:
            assert fast.match(path) == spec.match_file(path), (globs, path)
    assert matching(PATHS, ["*.py", "!keep.py"]) == [
        p for p in PATHS if pathspec.PathSpec.from_lines("gitwildmatch", ["*.py", "!keep.py"]).match_file(p)
    ]


def test_globset_of_no_glob_matches_nothing() -> None:
    assert not GlobSet([]).match("a.py")
    assert not GlobSet(["# only a comment", ""]).match("a.py")


def _tree(root: Path) -> None:
    for rel in ("app/a.py", "app/vendor/v.py", "docs/d.md", "real_dir/f.py", "top.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x = 1\n")
    os.symlink("top.txt", root / "link_to_file.txt")
    os.symlink("missing.txt", root / "dangling.txt")
    os.symlink("real_dir", root / "link_to_dir")
    os.mkfifo(root / "pipe.py")


def test_selection_keeps_regular_files_only_outside_git(tmp_path: Path) -> None:
    """Symlinks (to files, dangling, to folders) and fifos are never selected; folders reached
    through a symlink are not walked."""
    _tree(tmp_path)
    sel = select(tmp_path, exclude=["**/vendor/**"])
    assert sel.files == ["app/a.py", "docs/d.md", "real_dir/f.py", "top.txt"]
    assert select(tmp_path, include=["app/", "*.md"], exclude=["**/vendor/**"]).files == [
        "app/a.py", "docs/d.md",
    ]


def test_selection_keeps_regular_files_only_in_git(git_repo: Any) -> None:
    """Tracked symlinks and a tracked file deleted from the working tree are not selected."""
    _tree(git_repo.root)
    os.unlink(git_repo.root / "pipe.py")  # git cannot track a fifo
    git_repo.write("gone.py", "y = 2\n")
    git_repo.commit()
    os.unlink(git_repo.root / "gone.py")
    git_repo.write("untracked.py", "z = 3\n")
    sel = select(git_repo.root, exclude=["**/vendor/**"])
    assert sel.files == ["app/a.py", "docs/d.md", "real_dir/f.py", "top.txt", "untracked.py"]
    relative = Path(os.path.relpath(git_repo.root))
    assert select(relative, exclude=["**/vendor/**"]).files == sel.files


def test_files_kind_sizes_and_layers(git_repo: Any) -> None:
    """The ``files`` document: sizes from one ``stat`` on a string, layers in declared order
    (the first matching layer wins, a negated glob still works)."""
    git_repo.write("app/core/models.py", "a = 1\n")
    git_repo.write("app/web/views.py", "bb = 22\n")
    git_repo.write("app/web/keep.py", "c\n")
    git_repo.write("README.md", "# r\n")
    git_repo.commit()
    layers = {"web": ["app/web/", "!app/web/keep.py"], "app": ["app/**"]}
    settings = {"options": {"files": {"layers": layers}}}
    doc = run_extractors(git_repo.root, ["files"], settings=settings)["files"]
    got = {f["path"]: (f["size"], f["layer"]) for f in doc["files"]}
    assert got == {
        "README.md": (4, None),
        "app/core/models.py": (6, "app"),
        "app/web/keep.py": (2, "app"),
        "app/web/views.py": (8, "web"),
    }
    assert doc["summary"]["by_layer"] == {"app": 2, "web": 1}


def test_small_kinds_with_nothing_to_do_load_no_parser(tmp_path: Path) -> None:
    """proto without .proto files, changes and coverage without a base: protobuf, grpc_tools and
    the tests kind (and the tree-sitter grammars it would load) stay unloaded."""
    (tmp_path / "app.py").write_text("import os\n")
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sentinel.extractors.run import run_extractors\n"
        "docs = run_extractors(Path(sys.argv[1]), ['files', 'proto', 'changes', 'coverage', 'techdebt',"
        " 'statemachines'], settings={'cache': False})\n"
        "assert docs['proto']['files'] == [] and docs['changes']['compared'] is False\n"
        "heavy = ('google.protobuf', 'grpc_tools', 'sentinel.extractors.tests',"
        " 'sentinel.extractors.proto.descriptors', 'tree_sitter_rust', 'tree_sitter_javascript')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout
    assert out.strip() == "[]"


def test_proto_still_compiles_when_there_are_proto_files(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "v1.proto").write_text(
        'syntax = "proto3";\npackage api;\nmessage Ping { string id = 1; }\n'
    )
    doc = run_extractors(tmp_path, ["proto"], settings={"cache": False})["proto"]
    assert [f["file"] for f in doc["files"]] == ["api/v1.proto"]
    assert doc["problems"] == []


def test_selection_takes_the_callers_answer_to_is_git(git_repo: Any) -> None:
    """``is_git`` saves the git probe: True lists with git (ignored files left out), False walks."""
    git_repo.write(".gitignore", "*.log\n")
    git_repo.write("a.py", "a = 1\n")
    git_repo.write("debug.log", "noise\n")
    git_repo.commit()
    assert select(git_repo.root).files == [".gitignore", "a.py"]
    assert select(git_repo.root, is_git=True).files == [".gitignore", "a.py"]
    assert select(git_repo.root, is_git=False).files == [".gitignore", "a.py", "debug.log"]


def test_kinds_against_a_base_with_nothing_to_cover_load_no_parser(git_repo: Any) -> None:
    """With ``--base`` and a change to a document only: no protobuf (no .proto at either side)
    and no tests kind (no changed source file to find tests for)."""
    git_repo.write("app.py", "import os\n")
    git_repo.write("README.md", "# one\n")
    base = git_repo.commit("base")
    git_repo.write("README.md", "# two\n")
    git_repo.commit("change")
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sentinel.extractors.run import run_extractors\n"
        "docs = run_extractors(Path(sys.argv[1]), ['proto', 'changes', 'coverage'], base=sys.argv[2],"
        " settings={'cache': False})\n"
        "assert docs['proto']['compared'] is True and docs['proto']['files'] == []\n"
        "assert [f['file'] for f in docs['changes']['files']] == ['README.md']\n"
        "heavy = ('google.protobuf', 'grpc_tools', 'sentinel.extractors.tests',"
        " 'sentinel.extractors.proto.descriptors')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(git_repo.root), base], capture_output=True,
                         text=True, check=True, cwd=git_repo.root).stdout
    assert out.strip() == "[]"


def test_mirrored_tests_found_by_name_are_those_every_test_would_give(tmp_path: Path) -> None:
    """``tested_by`` looks mirrored tests up by name; the answer is what trying ``mirrors`` on
    every test file gives, same-named tests in other folders included."""
    from sentinel.extractors.base import ExtractContext
    from sentinel.extractors.changes_tests import mirrors, tested_by

    files = [
        "app/text.py", "app/sub/text.py", "lib/text.py", "tests/test_text.py", "tests/app/test_text.py",
        "tests/lib/text_test.py", "other/tests/test_text.py", "app/test_text.py", "pkg/x.go", "pkg/x_test.go",
        "other/x_test.go", "web/a.ts", "web/a.test.ts", "web/__tests__/a.spec.tsx", "README.md",
    ]
    for rel in files:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("\n")
    ctx = ExtractContext(root=tmp_path, files=tuple(sorted(files)))
    changed = ["app/text.py", "app/sub/text.py", "lib/text.py", "pkg/x.go", "web/a.ts", "README.md"]
    got = {s: {(e["file"], e["via"]) for e in entries if e["via"] == "mirror"}
           for s, entries in tested_by(ctx, changed).items()}
    expected = {s: {(t, "mirror") for t in files if mirrors(s, t)} for s in got}
    assert got == expected
    assert got["app/text.py"] == {("tests/test_text.py", "mirror"), ("tests/app/test_text.py", "mirror"),
                                  ("app/test_text.py", "mirror")}
    assert got["pkg/x.go"] == {("pkg/x_test.go", "mirror")}


def test_a_known_merge_base_gives_the_same_change(git_repo: Any) -> None:
    """``name_status`` and ``diff_u0`` with the merge base passed in (two git processes fewer)
    describe the same change as when they look it up."""
    from sentinel.extractors import gitrepo

    git_repo.write("a.py", "a = 1\n")
    base = git_repo.commit("base")
    git_repo.write("a.py", "a = 2\nb = 3\n")
    git_repo.write("b.py", "c = 4\n")
    git_repo.commit("change")
    mb = gitrepo.merge_base(git_repo.root, base)
    assert mb == base
    root = git_repo.root
    assert gitrepo.name_status(root, base, merge_base_sha=mb) == gitrepo.name_status(root, base)
    assert gitrepo.diff_u0(root, base, merge_base_sha=mb) == gitrepo.diff_u0(root, base)
    assert [r[1] for r in gitrepo.name_status(root, base)] == ["a.py", "b.py"]


def test_refining_a_listing_selects_what_selecting_with_the_globs_selects(tmp_path: Path) -> None:
    """``check`` lists the repository once and narrows that listing per run (``refine``): the files
    and the unsafe names must be those a fresh ``select`` with the same globs finds."""
    _tree(tmp_path)
    (tmp_path / "app" / "bad\nname.py").write_text("x = 1\n")
    (tmp_path / "docs" / "bad\x1bname.md").write_text("x\n")
    listing = select(tmp_path)
    assert listing.unsafe  # the names above are refused in both paths
    for include, exclude in [([], []), ([], ["**/vendor/**"]), (["app/", "*.md"], ["**/vendor/**"]),
                             (["docs/"], []), (["*.py"], ["app/"]), (["nothing/"], [])]:
        assert refine(listing, include, exclude) == select(tmp_path, include, exclude), (include, exclude)


def test_a_check_lists_the_repository_once(git_repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The glob check and the extractors share one listing (it was made twice)."""
    from sentinel import check as check_module
    from sentinel.config import load_config
    from sentinel.extractors import gitrepo

    git_repo.write("app/a.py", "x = 1\n")
    git_repo.commit("a")
    calls: list[Path] = []
    real = gitrepo.list_files

    def counted(root: Path) -> list[str]:
        calls.append(root)
        return real(root)

    monkeypatch.setattr(gitrepo, "list_files", counted)
    monkeypatch.chdir(git_repo.root)
    settings = check_module.CheckSettings(root=git_repo.root, kinds=("files",))
    check_module.check_run(load_config(None), settings)
    assert len(calls) == 1
