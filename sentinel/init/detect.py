"""What ``sentinel init`` reads from a repository: languages, packages and crates, proto roots, test
folders, and the configurations teams already have (import-linter contracts, a detect-secrets
baseline, buf.yaml, CODEOWNERS). Everything here is repository content: files are read with a size
cap, parsed by configparser/tomllib/PyYAML, and a file that cannot be read is reported, not fatal.
"""

from __future__ import annotations

import configparser
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.selection import select_files

MAX_CONFIG_BYTES = 1024 * 1024
LANGUAGES = {
    ".py": "Python", ".rs": "Rust", ".go": "Go", ".ts": "TypeScript", ".tsx": "TypeScript",
    ".js": "JavaScript", ".ex": "Elixir", ".exs": "Elixir", ".proto": "Protocol Buffers",
}
TEST_DIRS = ("tests", "test", "spec", "testing")
IMPORTLINTER_FILES = (".importlinter", "setup.cfg")
# import-linter contract keys -> ours (the architecture params use import-linter's names).
_CONTRACT_KEYS = {
    "forbidden": ("source_modules", "forbidden_modules", "ignore_imports", "allow_indirect_imports"),
    "layers": ("layers", "containers", "ignore_imports", "exhaustive", "exhaustive_ignores"),
    "independence": ("modules", "ignore_imports"),
}
_LIST_KEYS = {"source_modules", "forbidden_modules", "ignore_imports", "layers", "containers", "modules",
              "exhaustive_ignores"}


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
    buf_yaml: str | None = None
    codeowners: str | None = None
    notes: list[str] = field(default_factory=list)  # what could not be inferred


def _read(root: Path, rel: str, findings: Findings) -> str | None:
    path = root / rel
    try:
        if path.is_symlink() or not path.is_file():
            return None
        if path.stat().st_size > MAX_CONFIG_BYTES:
            findings.notes.append(f"{rel}: larger than {MAX_CONFIG_BYTES} bytes, not read")
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        findings.notes.append(f"{rel}: cannot be read ({exc.__class__.__name__})")
        return None


def detect(root: Path) -> Findings:
    findings = Findings()
    files = [Path(f) for f in select_files(root)]
    counts = Counter(LANGUAGES[f.suffix] for f in files if f.suffix in LANGUAGES)
    findings.languages = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    _python_packages(root, files, findings)
    _rust_crates(root, findings)
    findings.proto_roots = sorted({f.parts[0] if len(f.parts) > 1 else "." for f in files if f.suffix == ".proto"})
    findings.test_dirs = sorted(
        {f.parts[0] for f in files if len(f.parts) > 1 and f.parts[0] in TEST_DIRS}
    )
    _importlinter(root, findings)
    if (root / ".secrets.baseline").is_file():
        findings.secrets_baseline = ".secrets.baseline"
    for name in ("buf.yaml", "buf.work.yaml"):
        if (root / name).is_file():
            findings.buf_yaml = name
            findings.notes.append(f"{name}: its breaking-change settings are not translated yet; "
                                  "review params.protocol")
    for rel in ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"):
        if (root / rel).is_file():
            findings.codeowners = rel
    if not findings.contracts:
        findings.notes.append("no import-linter contracts found: architecture.layering and the import "
                              "contracts are not configured (params.architecture)")
    return findings


def _python_packages(root: Path, files: list[Path], findings: Findings) -> None:
    for f in files:
        if f.name != "__init__.py":
            continue
        parts = f.parts[:-1]
        if len(parts) == 1 and parts[0] not in TEST_DIRS:
            findings.packages.setdefault(parts[0], parts[0])
        elif len(parts) == 2 and parts[0] == "src":
            findings.packages.setdefault(parts[1], f"src/{parts[1]}")


def _rust_crates(root: Path, findings: Findings) -> None:
    for manifest in sorted(root.glob("Cargo.toml")) + sorted(root.glob("*/Cargo.toml")) + sorted(
        root.glob("*/*/Cargo.toml")
    ):
        rel = manifest.relative_to(root).as_posix()
        text = _read(root, rel, findings)
        if text is None:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            findings.notes.append(f"{rel}: not valid TOML ({exc})")
            continue
        name = (data.get("package") or {}).get("name")
        if isinstance(name, str):
            folder = manifest.parent.relative_to(root).as_posix()
            findings.crates.setdefault(name.replace("-", "_"), folder or ".")


def _importlinter(root: Path, findings: Findings) -> None:
    for rel in IMPORTLINTER_FILES:
        text = _read(root, rel, findings)
        if text is None:
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text, source=rel)
        except configparser.Error as exc:
            findings.notes.append(f"{rel}: not readable as INI ({exc.__class__.__name__})")
            continue
        contracts = {
            name: dict(parser[name]) for name in parser.sections() if name.startswith("importlinter:contract:")
        }
        if contracts:
            _translate(contracts, rel, findings)
            return
    text = _read(root, "pyproject.toml", findings)
    if text is None:
        return
    try:
        tool = tomllib.loads(text).get("tool", {}).get("importlinter", {})
    except tomllib.TOMLDecodeError:
        return
    listed = tool.get("contracts") if isinstance(tool, dict) else None
    if isinstance(listed, list):
        _translate({str(i): c for i, c in enumerate(listed) if isinstance(c, dict)}, "pyproject.toml", findings)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [line.strip() for line in str(value).splitlines() if line.strip()]


def _translate(contracts: dict[str, dict[str, Any]], source: str, findings: Findings) -> None:
    for key, contract in contracts.items():
        kind = str(contract.get("type", ""))
        name = str(contract.get("name") or key)
        if kind not in _CONTRACT_KEYS:
            findings.notes.append(f"{source}: contract {name!r} of type {kind!r} is not translated")
            continue
        out: dict[str, Any] = {"name": name}
        for field_name in _CONTRACT_KEYS[kind]:
            if field_name not in contract:
                continue
            value = contract[field_name]
            if field_name in _LIST_KEYS:
                out[field_name] = _as_list(value)
            else:
                out[field_name] = value if isinstance(value, bool) else str(value).strip().lower() == "true"
        findings.contracts.setdefault(kind, []).append(out)
    if findings.contracts:
        findings.contracts_from = source
