"""Parse time per input format: sentinel.parsers.parse_file over many small real files (median of 7).

Peer: conftest parses the same formats in Go, but it is not installed here. The ratio printed is
against the bare library call on the same files (read bytes, decode, call the library), so it
shows what the registry adds: detection, size/binary/UTF-8 checks, conversion to conftest's shape
(for Dockerfiles, BuildKit's argument splitting on top of dockerfile-parse's line structure).

    .venv/bin/python benchmarks/parsers.py [files-per-format]
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hcl2
import yaml
from dockerfile_parse import DockerfileParser

from sentinel import parsers

RUNS = 7
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _json_doc(i: int) -> str:
    return json.dumps({"kind": "imports", "file": f"src/m{i}.py",
                       "imports": [{"module": f"pkg.mod{j}", "line": j + 1} for j in range(20)]})


def _yaml_doc(i: int) -> str:
    return "".join(f"---\nkind: Deployment\nmetadata:\n  name: app{i}-{d}\nspec:\n  replicas: {d}\n"
                   for d in range(3))


def _toml_doc(i: int) -> str:
    return f'[project]\nname = "p{i}"\nversion = "1.0"\n[tool.x]\nflags = ["a", "b"]\n'


def _dockerfile(i: int) -> str:
    return (f"# build {i}\nFROM golang:1.22 AS build\nCOPY --from=x . /src\nRUN go build ./... && \\\n"
            "    go test ./...\nFROM scratch\nUSER app\nCMD [\"/app\"]\n")


def _tf(i: int) -> str:
    return (f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "logs-{i}"\n  acl = var.acl\n'
            "  versioning {\n    enabled = true\n  }\n}\n")


FORMATS: list[tuple[str, str, Callable[[int], str], Callable[[str], Any]]] = [
    ("json", "json", _json_doc, json.loads),
    ("yaml", "yaml", _yaml_doc, lambda t: list(yaml.load_all(t, Loader=_YAML_LOADER))),
    ("toml", "toml", _toml_doc, tomllib.loads),
    ("dockerfile", "Dockerfile", _dockerfile,
     lambda t: DockerfileParser(fileobj=io.BytesIO(t.encode("utf-8"))).structure),
    ("hcl2", "tf", _tf, hcl2.loads),
]


def _median(work: Callable[[], None]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(f"{'format':<12}{'files':>7}{'sentinel ms':>14}{'bare lib ms':>14}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, ext, make, bare in FORMATS:
            n = count if name not in {"hcl2", "dockerfile"} else max(1, count // 10)
            folder = Path(tmp, name)
            folder.mkdir()
            paths = []
            for i in range(n):
                path = folder / (f"Dockerfile.{i}" if ext == "Dockerfile" else f"f{i}.{ext}")
                path.write_text(make(i), encoding="utf-8")
                paths.append(str(path))

            def ours(paths: list[str] = paths) -> None:
                for p in paths:
                    parsers.parse_file(p)

            def baseline(paths: list[str] = paths, bare: Callable[[str], Any] = bare) -> None:
                for p in paths:
                    with open(p, "rb") as handle:
                        bare(handle.read().decode("utf-8"))

            ours_s, bare_s = _median(ours), _median(baseline)
            ratio = f"{ours_s / bare_s:.2f}"
            print(f"{name:<12}{n:>7}{ours_s * 1000:>14.1f}{bare_s * 1000:>14.1f}{ratio:>8}")


if __name__ == "__main__":
    main()
