"""Extractor benchmark on Django's source tree (the ``django`` package of the 5.2 wheel).

    .venv/bin/python benchmarks/extract_bench.py [--runs 7] [--source DIR]

Downloads ``django==5.2.*`` as a wheel with pip (no dependencies) into a temp dir and unzips
it, unless ``--source`` names a directory that already holds the unzipped ``django`` package.
Then, medians of ``--runs`` runs (interleaved with the peer, so both see the same machine):

(a) imports extractor on the package's Python files vs ``grimp.build_graph("django")`` on
    the same tree (target: ours <= 1.5x grimp); also grimp plus one ``get_import_details``
    per edge, and our ``ast`` engine (a straight ``ast`` pass);
(b) todos extractor vs ``grep -rn <marker>`` over the same files (target: <= 5x);
(c) every registered extractor kind whose module exists, one by one and all together
    through ``sentinel.extractors.run.run_extractors`` (in a git repository made from the tree);
(d) peak memory (``ru_maxrss`` of this process and of its children).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentinel.extractors import KINDS, imports, todos  # noqa: E402
from sentinel.extractors.base import ExtractContext  # noqa: E402

MARKER = "TO" + "DO"  # spelled in pieces so that this file does not flag itself


def fetch_django(workdir: Path) -> Path:
    """Download the Django 5.2 wheel and unzip it; the directory that holds ``django/``."""
    wheels = workdir / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                    "django==5.2.*", "-d", str(wheels)], check=True)
    [wheel] = list(wheels.glob("Django-*.whl")) or list(wheels.glob("django-*.whl"))
    source = workdir / "src"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(source)
    return source


def tree_files(source: Path, suffix: str = "") -> tuple[str, ...]:
    out = []
    for dirpath, _, names in os.walk(source / "django"):
        for name in names:
            if name.endswith(suffix):
                out.append(Path(dirpath, name).relative_to(source).as_posix())
    return tuple(sorted(out))


def timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def medians(runs: int, **cases: Callable[[], Any]) -> dict[str, float]:
    """Median seconds per case, the cases interleaved run by run."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, func in cases.items():
            samples[name].append(timed(func))
    return {name: statistics.median(values) for name, values in samples.items()}


def grimp_build(source: Path, details: bool = False) -> Callable[[], Any]:
    import grimp

    def run() -> None:
        sys.path.insert(0, str(source))
        try:
            graph = grimp.build_graph("django", include_external_packages=True, cache_dir=None)
        finally:
            sys.path.remove(str(source))
        if details:
            for module in graph.modules:
                if module == "django" or module.startswith("django."):
                    for imported in graph.find_modules_directly_imported_by(module):
                        graph.get_import_details(importer=module, imported=imported)

    return run


def row(label: str, seconds: float, peer: float | None = None, target: float | None = None) -> str:
    text = f"  {label:<44} {seconds * 1000:9.1f} ms"
    if peer:
        ratio = seconds / peer
        text += f"   {ratio:5.2f}x"
        if target is not None:
            text += f"  (target <= {target}x: {'met' if ratio <= target else 'NOT met'})"
    return text


def bench_imports(source: Path, runs: int) -> None:
    py_files = tree_files(source, ".py")
    all_files = tree_files(source)

    def ours(engine: str = "auto", files: tuple[str, ...] = py_files) -> Callable[[], Any]:
        return lambda: imports.extract(ExtractContext(root=source, files=files,
                                                      options={"python": {"engine": engine}}))

    found = medians(runs, grimp=grimp_build(source), ours=ours(), grimp_details=grimp_build(source, True),
                    ast=ours("ast"), whole_tree=ours(files=all_files))
    print(f"(a) imports: {len(py_files)} Python files of django/ ({len(all_files)} files in the tree)")
    print(row("grimp.build_graph('django')", found["grimp"]))
    print(row("grimp.build_graph + get_import_details/edge", found["grimp_details"], found["grimp"]))
    print(row("ours, imports extractor (grimp engine)", found["ours"], found["grimp"], 1.5))
    print(row("ours, imports extractor (ast engine)", found["ast"], found["grimp"]))
    print(row("ours, whole tree (Python + JavaScript)", found["whole_tree"], found["grimp"]))


def bench_todos(source: Path, runs: int) -> None:
    files = tree_files(source)
    ctx = ExtractContext(root=source, files=files)

    def grep() -> None:
        subprocess.run(["grep", "-rn", MARKER, "django"], cwd=source, stdout=subprocess.DEVNULL, check=False)

    found = medians(runs, grep=grep, ours=lambda: todos.extract(ctx))
    items = todos.extract(ctx)["summary"]["total"]
    print(f"(b) todos: {len(files)} files, {items} items")
    print(row(f"grep -rn {MARKER} django", found["grep"]))
    print(row("ours, todos extractor", found["ours"], found["grep"], 5.0))


def available_kinds() -> list[str]:
    out = []
    for kind, module in KINDS.items():
        try:
            if importlib.util.find_spec(module) is not None:
                out.append(kind)
        except ModuleNotFoundError:
            continue
    return out


def make_repository(source: Path, workdir: Path) -> Path:
    repo = workdir / "repo"
    shutil.copytree(source / "django", repo / "django")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
           "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "django"], cwd=repo, check=True)
    return repo


def bench_all_kinds(source: Path, workdir: Path, runs: int) -> None:
    try:
        run_module = importlib.import_module("sentinel.extractors.run")
    except ImportError:
        run_module = None
    kinds = available_kinds()
    repo = make_repository(source, workdir)
    print(f"(c) every available kind on a git repository of django/ ({', '.join(kinds)})")
    if run_module is None:
        print("  sentinel.extractors.run is missing; kinds run one by one")
    times: dict[str, float] = {}
    for kind in kinds:
        def one(kind: str = kind) -> Any:
            if run_module is not None:
                return run_module.run_extractors(repo, [kind])
            module = importlib.import_module(KINDS[kind])
            return module.extract(ExtractContext(root=repo, files=tree_files(repo)))
        try:
            one()
        except Exception as exc:
            print(f"  {kind:<44} skipped: {type(exc).__name__}: {exc}")
            continue
        times[kind] = medians(runs, run=one)["run"]
        print(row(kind, times[kind]))
    if run_module is not None and times:
        ok = list(times)
        total = medians(runs, run=lambda: run_module.run_extractors(repo, ok))["run"]
        print(row(f"all {len(ok)} kinds in one run_extractors call", total))


def check_schemas(source: Path) -> None:
    """Validate this helper's kinds on Django against their schemas (a shape check, not a benchmark)."""
    import jsonschema

    from sentinel.extractors import files as files_kind
    from sentinel.extractors import tests as tests_kind

    ctx = ExtractContext(root=source, files=tree_files(source))
    for module in (files_kind, imports, todos, tests_kind):
        doc = module.extract(ctx)
        schema = json.loads((ROOT / "extractors" / "schemas" / f"{doc['kind']}.json").read_text())
        jsonschema.Draft202012Validator(schema).validate(doc)
        again = module.extract(ctx)
        same = json.dumps(doc, sort_keys=True) == json.dumps(again, sort_keys=True)
        print(f"  {doc['kind']:<10} schema ok, {len(doc['problems'])} problems, deterministic: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="runs per case (median reported; at least 5)")
    parser.add_argument("--source", type=Path, help="a directory holding an unzipped django/ package")
    args = parser.parse_args()
    runs = max(5, args.runs)
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-") as tmp:
        workdir = Path(tmp)
        source = args.source.resolve() if args.source else fetch_django(workdir)
        print(f"Django tree: {source / 'django'}; {os.cpu_count()} CPUs; medians of {runs} runs\n")
        bench_imports(source, runs)
        print()
        bench_todos(source, runs)
        print()
        bench_all_kinds(source, workdir, runs)
        print()
        print("schema and determinism check on Django:")
        check_schemas(source)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"\n(d) peak memory (ru_maxrss): this process {own / 1024:.0f} MiB, "
          f"largest child {children / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
