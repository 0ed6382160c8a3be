"""Secrets extractor speed against detect-secrets' own scan (the peer), on the same files.

Corpus: the Python standard library's text files (about 2,000 files, 30 MB) plus 1,000 small
generated modules, a few with secrets: about 3,000 files. Prints medians of RUNS runs of
- ours, one process and all cores, on the whole corpus;
- the peer (``detect_secrets.core.scan.scan_file`` per file, all plugins, default filters — what
  ``detect-secrets scan`` does per file) and ours, one process, on the first PEER_FILES files
  (the peer takes about a minute per 1,000 files, so it gets a slice), with the ratio;
- whether both found the same secrets on that slice.
Run: .venv/bin/python benchmarks/secrets_bench.py [RUNS] [PEER_FILES]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from detect_secrets.core import scan as ds_scan
from detect_secrets.settings import default_settings

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.secrets import extract

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
PEER_FILES = int(sys.argv[2]) if len(sys.argv) > 2 else 300
SUFFIXES = {".py", ".txt", ".cfg", ".json", ".toml", ".html", ".xml", ".rst", ".ini"}
AWS = "AKIA" + "IOSFODNN7EXAMPLE"


def build_corpus(root: Path) -> list[str]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files: list[str] = []
    for path in sorted(stdlib.rglob("*")):
        if path.is_file() and path.suffix in SUFFIXES and "site-packages" not in path.parts:
            rel = "stdlib/" + path.relative_to(stdlib).as_posix()
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, root / rel)
            files.append(rel)
    for i in range(1000):
        rel = f"gen/pkg{i // 100}/mod{i:04}.py"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        secret = f'KEY_{i} = "{AWS}"\n' if i % 97 == 0 else ""
        body = "".join(f"def f{j}(x):\n    return x * {j}  # value {j}\n" for j in range(20))
        (root / rel).write_text(f'"""Module {i}."""\n{secret}{body}', encoding="utf-8")
        files.append(rel)
    return sorted(files)


def median_seconds(func: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def ours(root: Path, files: list[str], jobs: int) -> set[tuple[str, str, str, int]]:
    doc = extract(ExtractContext(root=root, files=tuple(files), options={"baseline": False}, jobs=jobs))
    return {(f["file"], f["rule"], f["fingerprint"], f["line"]) for f in doc["findings"]}


def peer(root: Path, files: list[str]) -> set[tuple[str, str, str, int]]:
    first: dict[tuple[str, str, str], int] = {}
    with default_settings():
        for rel in files:
            for s in ds_scan.scan_file(str(root / rel)):
                key = (rel, s.type, s.secret_hash)
                first[key] = min(s.line_number, first.get(key, s.line_number))
    return {(*k, line) for k, line in first.items()}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = build_corpus(root)
        size = sum((root / f).stat().st_size for f in files) / 1e6
        print(f"corpus: {len(files)} files, {size:.1f} MB; medians of {RUNS} runs")
        one, found = median_seconds(lambda: ours(root, files, 1))
        print(f"ours, 1 process, all files:        {one:7.2f} s  ({len(found)} findings)")
        many, _ = median_seconds(lambda: ours(root, files, 0))
        print(f"ours, all cores, all files:        {many:7.2f} s")
        step = max(1, len(files) // PEER_FILES)
        part = files[::step][:PEER_FILES]
        mine, mine_found = median_seconds(lambda: ours(root, part, 1))
        theirs, theirs_found = median_seconds(lambda: peer(root, part))
        print(f"ours, 1 process, {len(part)} files:       {mine:7.2f} s")
        print(f"detect-secrets scan_file, {len(part)} files: {theirs:7.2f} s")
        print(f"ratio peer / ours (same files):    {theirs / mine:7.1f}x")
        print(f"same findings as the peer:         {mine_found == theirs_found} ({len(theirs_found)})")


if __name__ == "__main__":
    main()
