"""Compile and classify N generated .proto files (median of 5 runs each).

Peer: buf is not installed here, so the named peer is the naive way to get the same
descriptors, one protoc run per file (what a per-file fallback costs). Printed: our single-run
compile, the per-file peer and their ratio; the whole ``proto`` extract without and with a base
revision (the base side is read from git and compiled too).

    .venv/bin/python benchmarks/proto.py [files]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.proto import extract
from sentinel.extractors.proto.descriptors import compile_files
from sentinel.extractors.selection import select_files

RUNS = 5


def proto_text(i: int, fields: int) -> str:
    imports = f'import "api/v1/f{i - 1}.proto";\n' if i else ""
    ref = f"  M{i - 1} prev = {fields + 1};\n" if i else ""
    body = "".join(f"  string field_{n} = {n};\n" for n in range(1, fields + 1))
    return (
        f'syntax = "proto3";\npackage api.v1;\n{imports}\nmessage M{i} {{\n{body}{ref}}}\n'
        f"enum E{i} {{ E{i}_UNSPECIFIED = 0; E{i}_ONE = 1; }}\n"
        f"service S{i} {{ rpc Get(M{i}) returns (M{i}); }}\n"
    )


def make_repo(root: Path, count: int) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "bench@example.invalid")
    git("config", "user.name", "bench")
    for i in range(count):
        path = root / "api" / "v1" / f"f{i}.proto"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(proto_text(i, 20))
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    for i in range(0, count, 5):  # a change in every fifth file
        path = root / "api" / "v1" / f"f{i}.proto"
        path.write_text(path.read_text().replace("string field_3 = 3;", "int64 field_3 = 3;"))
    git("commit", "-q", "-am", "head")


def median(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_repo(root, count)
        names = [f"api/v1/f{i}.proto" for i in range(count)]
        files = tuple(select_files(root))

        ours = median(lambda: compile_files(root, names, ["."]))
        peer = median(lambda: [compile_files(root, [n], ["."]) for n in names])
        plain = median(lambda: extract(ExtractContext(root=root, files=files, is_git=True)))
        based = median(lambda: extract(ExtractContext(root=root, files=files, base="HEAD~1", is_git=True)))
        doc = extract(ExtractContext(root=root, files=files, base="HEAD~1", is_git=True))
        print(f"{count} files, median of {RUNS}")
        print(f"  compile, one protoc run:        {ours * 1000:8.1f} ms")
        print(
            f"  compile, one run per file (peer): {peer * 1000:6.1f} ms  ratio peer/ours {peer / ours:5.1f}x"
        )
        print(f"  proto extract, no base:         {plain * 1000:8.1f} ms")
        print(f"  proto extract, with base:       {based * 1000:8.1f} ms  ({len(doc['changes'])} changes)")


if __name__ == "__main__":
    main()
