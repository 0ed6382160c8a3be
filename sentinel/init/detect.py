"""What ``sentinel init`` reads from a repository: languages, packages and crates, proto roots, test
folders, and the configurations teams already have (import-linter contracts, a detect-secrets
baseline, buf.yaml, CODEOWNERS). Everything here is repository content: files are read with a size
cap, parsed by configparser/tomllib/PyYAML, and a file that cannot be read is reported, not fatal.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentinel.extractors.selection import select_files
from sentinel.init.foreign import BufBreaking, read_buf, read_importlinter, read_text

LANGUAGES = {
    ".py": "Python", ".rs": "Rust", ".go": "Go", ".ts": "TypeScript", ".tsx": "TypeScript",
    ".js": "JavaScript", ".ex": "Elixir", ".exs": "Elixir", ".proto": "Protocol Buffers",
}
TEST_DIRS = ("tests", "test", "spec", "testing")
# A test file by its name alone (what a nested tests/ folder must hold to count as a test folder).
TEST_FILE = re.compile(
    r"(test_[^/]*\.py|[^/]*_test\.(py|go|exs)|conftest\.py|[^/]*\.(test|spec)\.[jt]sx?|[^/]*_spec\.rb)"
)
GLOB_CHARS = re.compile(r"[][*?{}!\\]")
# import "a/b.proto"; (also `import public` / `import weak`), one per line as protoc writes them.
PROTO_IMPORT = re.compile(
    r'^[ \t]*import[ \t]+(?:(?:public|weak)[ \t]+)?"([^"\n]{1,512})"[ \t]*;', re.MULTILINE
)
PROTO_PACKAGE = re.compile(r"^[ \t]*package[ \t]+([A-Za-z_][A-Za-z0-9_.]{0,512})[ \t]*;", re.MULTILINE)
CRATE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
PACKAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass
class Findings:
    languages: dict[str, int] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=dict)  # name -> folder
    crates: dict[str, str] = field(default_factory=dict)
    proto_roots: list[str] = field(default_factory=list)
    test_dirs: list[str] = field(default_factory=list)
    contracts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    contracts_from: str | None = None
    secrets_baseline: str | None = None
    buf: BufBreaking | None = None
    codeowners: str | None = None
    notes: list[str] = field(default_factory=list)  # what could not be inferred


def detect(root: Path) -> Findings:
    findings = Findings()
    files = [Path(f) for f in select_files(root)]
    counts = Counter(LANGUAGES[f.suffix] for f in files if f.suffix in LANGUAGES)
    findings.languages = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    _python_packages(root, files, findings)
    _rust_crates(root, files, findings)
    findings.proto_roots = _proto_roots(root, [f.as_posix() for f in files if f.suffix == ".proto"], findings)
    findings.test_dirs = _test_dirs(files)
    contracts = read_importlinter(root)
    findings.contracts, findings.contracts_from = contracts.by_type, contracts.source
    findings.notes += contracts.problems
    if (root / ".secrets.baseline").is_file() and not (root / ".secrets.baseline").is_symlink():
        findings.secrets_baseline = ".secrets.baseline"
    findings.buf = read_buf(root)
    if findings.buf is not None:
        findings.notes += findings.buf.problems
    for rel in ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"):
        if (root / rel).is_file():
            findings.codeowners = rel
    if not findings.contracts:
        findings.notes.append("no layering contract found (no import-linter contracts): architecture.layers "
                              "and the other import contracts stay inert until params.architecture has some")
    if not findings.packages and not findings.crates:
        findings.notes.append("no top-level Python package or Rust crate found: no layers declared")
    return findings


def _test_dirs(files: list[Path]) -> list[str]:
    """Test folders: top-level tests/, test/, spec/, testing/; deeper ones when they are a Rust
    crate's integration tests (tests/ beside Cargo.toml) or hold test files by name (so
    ``pkg/tests/test_x.py`` counts, while a library's own ``numpy/testing/`` or ``django/test/``
    module does not). A folder inside another test folder is not listed again."""
    names = {f.as_posix() for f in files}
    found: set[str] = set()
    for f in files:
        folders = f.parts[:-1]
        if folders and folders[0] in TEST_DIRS:
            found.add(folders[0])
            continue
        inner = max((i for i, part in enumerate(folders) if part in TEST_DIRS), default=None)
        folder = "/".join(folders[: inner + 1]) if inner is not None else ""
        if inner is None or GLOB_CHARS.search(folder):  # a folder name that would read as a glob
            continue
        crate_tests = folders[inner] == "tests" and "/".join([*folders[:inner], "Cargo.toml"]) in names
        if crate_tests or TEST_FILE.fullmatch(f.name):
            found.add(folder)
    return sorted(d for d in found if not any(d.startswith(f"{other}/") for other in found))


def _proto_roots(root: Path, protos: list[str], findings: Findings) -> list[str]:
    """protoc's include roots: the folders from which the .proto files' imports resolve.

    A file at ``a/b/c.proto`` importing ``b/x.proto`` (a file of the repository) has root ``a``, and
    so has ``a/b/x.proto``. A file no import ties to a root takes a root found for others that holds
    it, else the folder above its package's folders (``package acme.v1`` in ``proto/acme/v1/``),
    else the folder above the deepest one named like its imports' first folder (``google/protobuf``
    imported from ``google/api/``), else its own folder. Deepest roots first: protoc names a file
    after the first root holding it."""
    present = set(protos)
    texts: dict[str, str] = {}
    for rel in protos:
        text, problem = read_text(root, rel)
        if problem:
            findings.notes.append(problem)
        texts[rel] = text or ""
    tied: dict[str, str] = {}
    for rel in protos:
        folders = rel.split("/")[:-1]
        for imported in PROTO_IMPORT.findall(texts[rel]):
            found = _root_from_import(folders, imported, present)
            if found is not None:
                tied.setdefault(rel, found)
                tied.setdefault(imported if found == "." else f"{found}/{imported}", found)
    known = set(tied.values())
    roots = set(known)
    for rel in protos:
        if rel in tied:
            continue
        folders = rel.split("/")[:-1]
        holding = [r for r in known if r == "." or rel.startswith(f"{r}/")]
        package = PROTO_PACKAGE.search(texts[rel])
        guesses = [
            max(holding, key=_depth) if holding else None,
            _root_from_package(folders, package.group(1)) if package else None,
            *(_root_from_outside_import(folders, imp) for imp in PROTO_IMPORT.findall(texts[rel])),
        ]
        roots.add(next((g for g in guesses if g is not None), "/".join(folders) or "."))
    return sorted(roots, key=lambda r: (-_depth(r), r))


def _depth(folder: str) -> int:
    return 0 if folder == "." else folder.count("/") + 1


def _root_from_import(folders: list[str], imported: str, present: set[str]) -> str | None:
    """The deepest folder above the file under which ``imported`` is a file of the repository."""
    for depth in range(len(folders), -1, -1):
        base = "/".join(folders[:depth])
        if (f"{base}/{imported}" if base else imported) in present:
            return base or "."
    return None


def _root_from_outside_import(folders: list[str], imported: str) -> str | None:
    first = imported.split("/")[0]
    if "/" not in imported or first not in folders:
        return None
    depth = len(folders) - 1 - folders[::-1].index(first)
    return "/".join(folders[:depth]) or "."


def _root_from_package(folders: list[str], package: str) -> str | None:
    parts = package.split(".")
    if len(parts) > len(folders) or folders[len(folders) - len(parts):] != parts:
        return None
    return "/".join(folders[: len(folders) - len(parts)]) or "."


def _python_packages(root: Path, files: list[Path], findings: Findings) -> None:
    for f in files:
        if f.name != "__init__.py":
            continue
        parts = f.parts[:-1]
        if not parts or not PACKAGE_NAME.fullmatch(parts[-1]):
            continue
        if len(parts) == 1 and parts[0] not in TEST_DIRS:
            findings.packages.setdefault(parts[0], parts[0])
        elif len(parts) == 2 and parts[0] == "src":
            findings.packages.setdefault(parts[1], f"src/{parts[1]}")


def _rust_crates(root: Path, files: list[Path], findings: Findings) -> None:
    """Crates from the selected files (never through a symlinked folder), up to two folders deep."""
    for manifest in sorted(f for f in files if f.name == "Cargo.toml" and len(f.parts) <= 3):
        rel = manifest.as_posix()
        text, problem = read_text(root, rel)
        if problem:
            findings.notes.append(problem)
        if text is None:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            findings.notes.append(f"{rel}: not valid TOML ({exc})")
            continue
        package = data.get("package")
        name = package.get("name") if isinstance(package, dict) else None
        if isinstance(name, str) and CRATE_NAME.fullmatch(name):
            folder = manifest.parent.as_posix()
            findings.crates.setdefault(name.replace("-", "_"), folder)
