"""Bundle build and verify: Sentinel against OPA v1.22.4 on the same sources and the same bundle.

    .venv/bin/python benchmarks/bundles_bench.py [--rounds 5] [--sizes 100 1000]

Sources: N policy files (``package bench.pN``, three rules each) and one ``data.json``, written to a
temp dir. Every round runs each contender once, interleaved; the table shows medians of wall and CPU
time (``getrusage``: the process itself in process, ``RUSAGE_CHILDREN`` for a subprocess).

- build: ``build_bundle`` in process, ``sentinel bundle build`` as a command, ``opa build -b DIR``.
- verify: on one ES256 bundle signed by Sentinel, ``read_bundle(keys=...)`` in process, ``sentinel
  bundle verify`` as a command, and OPA's verification, ``opa build -b BUNDLE --verification-key``
  (OPA has no verify-only command; this one also parses and compiles the policies and writes a bundle,
  so it does more than verify). ``opa run --bundle`` uses the same reader but its server never
  exits on its own, so it is not timed here; the interop tests show it loads the same bundle.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from sentinel.runtime.bundles.build import build_bundle, sign_bundle  # noqa: E402
from sentinel.runtime.bundles.reader import read_bundle  # noqa: E402
from sentinel.runtime.bundles.signing import KeySet, load_signing_key  # noqa: E402
from testsupport.processes import find_program  # noqa: E402

POLICY = """package bench.p{i}

import rego.v1

default allow := false

allow if input.user in data.bench.admins

deny contains msg if {{
\tnot allow
\tmsg := sprintf("policy {i}: %s is not an admin", [input.user])
}}
"""


def write_sources(root: Path, count: int) -> Path:
    (root / "bench").mkdir(parents=True)
    (root / "bench" / "data.json").write_text('{"admins": ["alice", "bob"]}')
    for i in range(count):
        folder = root / "bench" / f"p{i}"
        folder.mkdir()
        (folder / "policy.rego").write_text(POLICY.format(i=i))
    return root


def timed(action: Callable[[], object], child: bool) -> tuple[float, float]:
    usage = resource.RUSAGE_CHILDREN if child else resource.RUSAGE_SELF
    before = resource.getrusage(usage)
    start = time.perf_counter()
    action()
    wall = time.perf_counter() - start
    after = resource.getrusage(usage)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed: {result.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    opa = find_program("opa")
    if opa is None:
        raise SystemExit("opa not found: run `make tools`")
    sentinel = str(ROOT / ".venv" / "bin" / "sentinel")
    key = ec.generate_private_key(ec.SECP256R1())
    rows: list[tuple[str, int, str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        priv, pub = work / "private.pem", work / "public.pem"
        priv.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        pub.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        keys = KeySet.from_pem(pub.read_bytes(), "k1", "ES256")
        for size in args.sizes:
            src = write_sources(work / f"src{size}", size)
            signed, _ = sign_bundle(build_bundle([src]), load_signing_key(priv.read_bytes(), "k1", "ES256"))
            bundle_path = work / f"signed{size}.tar.gz"
            bundle_path.write_bytes(signed)
            contenders: list[tuple[str, str, Callable[[], object], bool]] = [
                ("build", "sentinel (in process)", lambda s=src: build_bundle([s]), False),
                (
                    "build",
                    "sentinel bundle build",
                    lambda s=src: run([sentinel, "bundle", "build", str(s), "-o", str(work / "s.tar.gz")]),
                    True,
                ),
                (
                    "build",
                    "opa build -b",
                    lambda s=src: run([opa, "build", "-b", str(s), "-o", str(work / "o.tar.gz")]),
                    True,
                ),
                ("verify", "sentinel (in process)", lambda b=bundle_path: read_bundle(b, keys=keys), False),
                (
                    "verify",
                    "sentinel bundle verify",
                    lambda b=bundle_path: run(
                        [sentinel, "bundle", "verify", str(b), "--key", str(pub), "--kid", "k1"]
                    ),
                    True,
                ),
                (
                    "verify",
                    "opa build --verification-key",
                    lambda b=bundle_path: run(
                        [
                            opa,
                            "build",
                            "-b",
                            str(b),
                            "--verification-key",
                            str(pub),
                            "--verification-key-id",
                            "k1",
                            "--signing-alg",
                            "ES256",
                            "-o",
                            str(work / "v.tar.gz"),
                        ]
                    ),
                    True,
                ),
            ]
            samples: dict[tuple[str, str], list[tuple[float, float]]] = {
                (t, n): [] for t, n, _, _ in contenders
            }
            for _ in range(args.rounds):
                for task, name, action, child in contenders:
                    samples[(task, name)].append(timed(action, child))
            for (task, name), values in samples.items():
                wall = statistics.median(v[0] for v in values)
                cpu = statistics.median(v[1] for v in values)
                rows.append((task, size, name, wall, cpu))
    print(
        f"bundles benchmark: median of {args.rounds} interleaved rounds, {os.cpu_count()} cores, OPA v1.22.4"
    )
    print(f"{'task':<7} {'files':>6}  {'contender':<30} {'wall ms':>9} {'cpu ms':>9}")
    for task, size, name, wall, cpu in sorted(rows, key=lambda r: (r[0], r[1])):
        print(f"{task:<7} {size:>6}  {name:<30} {wall * 1000:>9.1f} {cpu * 1000:>9.1f}")


if __name__ == "__main__":
    main()
