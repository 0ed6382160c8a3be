"""Policy library benchmark: evaluating every rule of policy-as-code/ over extracted documents.

    .venv/bin/python benchmarks/policy_bench.py [--runs 7] [--source DIR]

Inputs are extracted once (not timed): this repository's (with conftest.yml's extract settings)
and Django's (the ``django`` package of the 5.2 wheel, downloaded with pip into a temp dir and
unzipped, unless ``--source`` names a directory that holds it). The timed part is evaluation
alone, exactly what ``sentinel check`` does after extraction: every namespace with rules, per
input document, through ``sentinel.runner.evaluate.check_document`` with the library compiled once.

For Django the architecture contracts are Django's own (layers, forbidden, independence, acyclic
over ``django.*``) so the import-graph rules do real work; our data file names modules Django does
not have. Growth: the Django documents are repeated 2x and 4x (each copy's modules renamed inside
the same packages, ``django.db.models`` -> ``django.db.c1.models``, so every contract covers every
copy); a linear rule takes ~2x and ~4x as long, a quadratic one ~4x and ~16x.

Peer: none. The real conftest/OPA cannot be installed here (no Go binary from a registry), so
the figures are absolute; the target is evaluation under 0.5 s for Django.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentinel.config import load_config  # noqa: E402
from sentinel.docs_gen import collect  # noqa: E402
from sentinel.extractors.run import run_extractors  # noqa: E402
from sentinel.runner.engine import RegorusEngine  # noqa: E402
from sentinel.runner.evaluate import check_document  # noqa: E402
from sentinel.runner.loader import find_policies, load_data  # noqa: E402

POLICIES = ROOT / "policy-as-code" / "policies"
DATA = ROOT / "policy-as-code" / "data"
TARGET_SECONDS = 0.5

DJANGO_PARAMS: dict[str, Any] = {
    "core": {"paths": ["django/db/**", "django/core/**"], "layers": {}},
    "architecture": {
        "forbidden": [
            {
                "name": "utils stay low",
                "source_modules": ["django.utils"],
                "indirect": True,
                "forbidden_modules": ["django.db", "django.contrib", "django.http", "django.views"],
            },
            {
                "name": "core does not know contrib",
                "source_modules": ["django.core"],
                "forbidden_modules": ["django.contrib"],
            },
        ],
        "layers": [
            {
                "name": "django layers",
                "layers": [
                    "django.contrib",
                    "django.views | django.test",
                    "django.forms | django.template",
                    "django.db",
                    "django.core",
                    "django.utils",
                ],
            }
        ],
        "independence": [
            {
                "name": "contrib apps",
                "modules": [
                    "django.contrib.auth",
                    "django.contrib.sessions",
                    "django.contrib.messages",
                    "django.contrib.sites",
                ],
            }
        ],
        "acyclic": [{"name": "django siblings", "packages": ["django"], "recursive": True}],
        "http": {"allowed_modules": ["django.core.mail"], "exempt_paths": []},
        "blocking_calls": ["time.sleep(", "requests.", "socket.", "subprocess.run("],
    },
    "observability": {"service_paths": ["django/**"], "exempt_paths": []},
    "security": {
        "tenancy": {"paths": ["django/**"], "shared_keys": []},
        "secrets": {"allow_unaudited": False},
        "safety_paths": ["django/contrib/auth/**"],
    },
}


def fetch_django(workdir: Path) -> Path:
    """Download the Django 5.2 wheel and unzip it; the directory that holds ``django/``."""
    wheels = workdir / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary",
            ":all:",
            "django==5.2.*",
            "-d",
            str(wheels),
        ],
        check=True,
    )
    [wheel] = list(wheels.glob("Django-*.whl")) or list(wheels.glob("django-*.whl"))
    source = workdir / "src"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(source)
    return source


def engine_for(data: dict[str, Any]) -> RegorusEngine:
    return RegorusEngine(find_policies([str(POLICIES)]), data)


def rule_namespaces(engine: RegorusEngine) -> list[str]:
    return [
        ns
        for ns in engine.namespaces()
        if any(r.startswith(("deny", "warn")) for r in engine.rule_counts(ns))
    ]


def evaluate_all(engine: RegorusEngine, documents: dict[str, dict[str, Any]], namespaces: list[str]) -> int:
    """What ``sentinel check`` does after extraction; returns the number of failures and warnings."""
    found = 0
    for kind, document in documents.items():
        for result in check_document(engine, f".sentinel/inputs/{kind}.json", document, namespaces):
            found += len(result.failures) + len(result.warnings)
    return found


def median_seconds(runs: int, func: Any) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


# ---- Growing the input ---------------------------------------------------------------------


def _renamed(value: str, tag: str) -> str:
    """``django.db.models`` -> ``django.db.<tag>.models``; paths the same way, so they still agree."""
    if value == "django" or value.startswith("django."):
        parts = value.split(".")
        at = max(1, min(2, len(parts) - 1))
        return ".".join([*parts[:at], tag, *parts[at:]])
    if value.startswith("django/"):
        parts = value.split("/")
        segments = parts[:-1] if parts[-1] == "__init__.py" else parts
        at = max(1, min(2, len(segments) - 1))
        return "/".join([*parts[:at], tag, *parts[at:]])
    return value


def _copy(value: Any, tag: str) -> Any:
    if isinstance(value, str):
        return _renamed(value, tag)
    if isinstance(value, list):
        return [_copy(v, tag) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v, tag) for k, v in value.items()}
    return value


def grown(document: dict[str, Any], factor: int) -> dict[str, Any]:
    """The document with every top-level list repeated ``factor`` times (renamed copies)."""
    out = copy.deepcopy(document)
    for k in range(1, factor):
        twin = _copy(document, f"c{k}")
        for key, value in document.items():
            if isinstance(value, list) and key != "problems":
                out[key] = out[key] + twin[key]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--source", type=Path, default=None, help="directory holding an unzipped django/")
    args = parser.parse_args()
    runs = max(5, args.runs)

    config = load_config(ROOT / "conftest.yml")
    ours_data = load_data([str(DATA)])
    ours = engine_for(ours_data)
    namespaces = rule_namespaces(ours)
    start = time.perf_counter()
    own_docs = run_extractors(ROOT, None, None, config.section("extract"))
    print(
        f"policy library: {len(namespaces)} rule namespaces; extracted this repository in "
        f"{time.perf_counter() - start:.1f} s (not timed below)"
    )

    with tempfile.TemporaryDirectory(prefix="sentinel-policy-bench-") as tmp:
        source = args.source or fetch_django(Path(tmp))
        start = time.perf_counter()
        django_docs = run_extractors(source, None, None, {"exclude": []})
        print(
            f"extracted Django 5.2 ({len(django_docs['files']['files'])} files, "
            f"{sum(len(f['imports']) for f in django_docs['imports']['files'])} imports) in "
            f"{time.perf_counter() - start:.1f} s (not timed below)"
        )

    django_data = copy.deepcopy(ours_data)
    django_data["sentinel"]["params"].update(DJANGO_PARAMS)
    django = engine_for(django_data)

    own_found = evaluate_all(ours, own_docs, namespaces)
    own = median_seconds(runs, lambda: evaluate_all(ours, own_docs, namespaces))
    print(f"\nmedians of {runs} runs, evaluation only")
    print(f"  this repository, whole library: {own * 1000:8.1f} ms  ({own_found} findings)")
    found = evaluate_all(django, django_docs, namespaces)
    whole = median_seconds(runs, lambda: evaluate_all(django, django_docs, namespaces))
    verdict = "OK" if whole < TARGET_SECONDS else "OVER TARGET"
    print(
        f"  Django 5.2, whole library:      {whole * 1000:8.1f} ms  ({found} findings; target "
        f"< {TARGET_SECONDS * 1000:.0f} ms: {verdict})"
    )

    print("\ngrowth on Django (medians; linear = 2x / 4x, quadratic = 4x / 16x)")
    sizes = {factor: {k: grown(d, factor) for k, d in django_docs.items()} for factor in (1, 2, 4)}
    totals = {f: median_seconds(runs, lambda f=f: evaluate_all(django, sizes[f], namespaces)) for f in sizes}
    print(
        f"  {'whole library':45s} 1x {totals[1] * 1000:7.1f} ms   2x {totals[2] / totals[1]:4.2f}x   "
        f"4x {totals[4] / totals[1]:4.2f}x"
    )
    # Each rule on the document it reads (its annotation's input kind), input setting included.
    reads = {a.package: a.custom.get("input") for a in collect([str(POLICIES)]) if a.kind}
    per_rule: dict[str, dict[int, float]] = {}
    for namespace in namespaces:
        kind = reads.get(namespace)
        if kind not in django_docs:
            continue
        per_rule[namespace] = {
            f: median_seconds(
                runs,
                lambda f=f, ns=namespace, k=kind: django.evaluate_rules(
                    {ns: [r for r in django.rule_counts(ns) if r.startswith(("deny", "warn"))]},
                    sizes[f][k],
                    None,
                ),
            )
            for f in sizes
        }
    for namespace, per in sorted(per_rule.items(), key=lambda item: -item[1][1]):
        print(
            f"  {namespace:52s} 1x {per[1] * 1000:7.1f} ms   2x {per[2] / per[1]:4.2f}x   "
            f"4x {per[4] / per[1]:4.2f}x"
        )


if __name__ == "__main__":
    main()
