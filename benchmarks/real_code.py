"""Precision and recall of the blocking (deny) rules on three real public repositories.

Repositories (pinned, fetched with the registries' own clients into ROOT, never into this tree):

- ``starlette``: the Starlette 1.10.0 sdist from PyPI (``pip download``), a Python ASGI framework
  with its tests;
- ``tower-ws``: the tower 0.5.3, tower-layer 0.3.3 and tower-service 0.3.3 crates from crates.io
  (``cargo fetch`` of a scratch project), laid out as one Cargo workspace;
- ``googleapis-common-protos``: the googleapis-common-protos 1.76.0 sdist from PyPI, 60-odd
  ``.proto`` files with their generated Python.

Each is imported into git (branch ``main``, tag ``upstream``). For each of two configurations,
``init`` (``sentinel init`` alone, or a minimal conftest.yml when the command does not exist) and
``init+hand`` (the same plus ``HAND`` config, at most 20 lines of YAML), the script

1. runs ``sentinel check -o json`` on ``main`` and prints the blocking findings per rule, and the
   precision per rule and per repository from the judgments file (``real_code_judgments.json``
   beside this script: ``repo``, ``rule``, ``file``, ``key``, ``true``, ``reason``; ``key`` is
   line-independent, see :func:`finding_key`); ``--dump`` writes the unjudged findings to judge;
2. seeds at least one violation per rule on a scratch branch (``SEEDS``), runs
   ``sentinel check --base main -o json`` and prints which seeds were caught (recall). A seed
   whose rule needs hand configuration counts only in ``init+hand``.

A ``sentinel`` exit code other than 0 or 1 stops the run: nothing is scored that could not be
evaluated.

Run: .venv/bin/python benchmarks/real_code.py [--root /tmp/realcode] [--dump FILE]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
JUDGMENTS = HERE / "real_code_judgments.json"
SENTINEL = str(Path(sys.executable).with_name("sentinel"))
GIT = ["git", "-c", "user.email=bench@example.invalid", "-c", "user.name=bench", "-c", "commit.gpgsign=false"]
MAX_HAND_LINES = 20
# Assembled so that this file holds no key.
AWS_KEY = "AKIA" + "ZZQ3D2L7XJ5WV4NB"
TODO = "TO" + "DO"


@dataclass(frozen=True)
class Finding:
    rule: str
    file: str
    line: int
    msg: str

    @property
    def key(self) -> str:
        return finding_key(self.rule, self.file, self.msg)


@dataclass(frozen=True)
class Seed:
    """One planted violation: ``write`` changes the tree; caught when ``rule`` reports ``file``."""

    rule: str
    file: str
    write: Callable[[Path], None]
    needs_hand: bool = False


@dataclass(frozen=True)
class Repo:
    name: str
    fetch: Callable[[Path], Path]
    hand: dict[str, Any]
    seeds: tuple[Seed, ...] = field(default_factory=tuple)


def finding_key(rule: str, file: str, msg: str) -> str:
    """A finding's identity without line numbers: rule, file and message with numbers masked."""
    return f"{rule}|{file}|{re.sub(r'[0-9]+', '#', msg)}"


def run(cmd: Sequence[str], cwd: Path, ok: Iterable[int] = (0,)) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode not in set(ok):
        raise SystemExit(f"{' '.join(cmd)} (in {cwd}) exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return proc


# ---------------------------------------------------------------------------------------------
# Fetching


def _sdist(root: Path, requirement: str, folder: str) -> Path:
    downloads = root / "dl"
    target = downloads / folder
    if not target.is_dir():
        downloads.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d",
             str(downloads), requirement], cwd=root)
        archive = next(downloads.glob(folder + ".tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(downloads, filter="data")
    return target


def fetch_starlette(root: Path) -> Path:
    return _sdist(root, "starlette==1.10.0", "starlette-1.10.0")


def fetch_protos(root: Path) -> Path:
    return _sdist(root, "googleapis-common-protos==1.76.0", "googleapis_common_protos-1.76.0")


TOWER_CRATES = ("tower-0.5.3", "tower-layer-0.3.3", "tower-service-0.3.3")


def fetch_tower(root: Path) -> Path:
    scratch = root / "scratch-rs"
    target = root / "dl" / "tower-ws"
    if target.is_dir():
        return target
    scratch.mkdir(parents=True, exist_ok=True)
    if not (scratch / "Cargo.toml").exists():
        run(["cargo", "init", "--quiet", "--vcs", "none", "--name", "scratch_rs"], cwd=scratch)
        run(["cargo", "add", "--quiet", "tower@=0.5.3", "--features", "full"], cwd=scratch)
    run(["cargo", "fetch", "--quiet"], cwd=scratch)
    cargo_home = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo"))
    target.mkdir(parents=True)
    for crate in TOWER_CRATES:
        source = next((cargo_home / "registry" / "src").glob(f"*/{crate}"))
        shutil.copytree(source, target / crate.rsplit("-", 1)[0])
    members = ", ".join(f'"{crate.rsplit("-", 1)[0]}"' for crate in TOWER_CRATES)
    (target / "Cargo.toml").write_text(f"[workspace]\nmembers = [{members}]\nresolver = \"2\"\n",
                                       encoding="utf-8")
    return target


def import_into_git(source: Path, dest: Path) -> None:
    """A fresh git repository at ``dest`` holding ``source``: branch main, tag upstream."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest)
    run([*GIT, "init", "-q", "-b", "main"], cwd=dest)
    run([*GIT, "add", "-A"], cwd=dest)
    run([*GIT, "commit", "-qm", f"import {source.name}"], cwd=dest)
    run([*GIT, "tag", "upstream"], cwd=dest)


# ---------------------------------------------------------------------------------------------
# Configuring and checking


def has_init() -> bool:
    return bool(re.search(r"^\s+init\s", run([SENTINEL, "--help"], cwd=HERE).stdout, re.MULTILINE))


def minimal_config(repo: Path) -> str:
    """What a user writes without ``sentinel init``: core paths = the top-level source folders."""
    tops = sorted({rel.parts[0] for rel in (p.relative_to(repo) for p in repo.rglob("*"))
                   if rel.suffix in (".py", ".rs", ".go", ".proto") and len(rel.parts) > 1
                   and rel.parts[0] not in ("tests", "test", "docs", "benchmarks", ".git")})
    return yaml.safe_dump({"params": {"core": {"paths": [f"{t}/**" for t in tops]}}})


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        nested = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merge(out[key], value) if nested else value
    return out


def hand_lines(hand: dict[str, Any]) -> int:
    return len(yaml.safe_dump(hand, default_flow_style=None).splitlines()) if hand else 0


def configure(repo: Path, hand: dict[str, Any] | None) -> None:
    """Reset ``main`` to upstream, write the configuration and commit it on main."""
    run([*GIT, "checkout", "-qf", "-B", "main", "upstream"], cwd=repo)
    run([*GIT, "clean", "-qfdx"], cwd=repo)
    for branch in ("seeded",):
        run([*GIT, "branch", "-qD", branch], cwd=repo, ok=(0, 1))
    if has_init():
        run([SENTINEL, "init"], cwd=repo)
    else:
        (repo / "conftest.yml").write_text(minimal_config(repo), encoding="utf-8")
    if hand:
        config_path = repo / "conftest.yml"
        config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
        config_path.write_text(yaml.safe_dump(merge(config, hand), sort_keys=False), encoding="utf-8")
    run([*GIT, "add", "-A"], cwd=repo)
    run([*GIT, "commit", "-qm", "sentinel configuration"], cwd=repo)


def check(repo: Path, base: str | None = None) -> list[Finding]:
    """The blocking findings of ``sentinel check`` (exit 2 or anything else unexpected stops)."""
    cmd = [SENTINEL, "check", "-o", "json", "--no-color"] + (["--base", base] if base else [])
    proc = run(cmd, cwd=repo, ok=(0, 1))
    out = []
    for result in json.loads(proc.stdout):
        for item in result.get("failures") or []:
            loc = item.get("loc") or {}
            out.append(Finding(item["metadata"]["rule"], str(loc.get("file") or result["filename"]),
                               int(loc.get("line") or 0), item["msg"]))
    return out


# ---------------------------------------------------------------------------------------------
# Seeds


def _writer(rel: str, text: str) -> Callable[[Path], None]:
    def write(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    return write


def _edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def write(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise SystemExit(f"seed: {old!r} is not in {rel}")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return write


PY_SEEDED = f'''"""Seeded violations (benchmarks/real_code.py)."""
import time

import redis
import requests

from tests.types import TestClientFactory

AWS_ACCESS_KEY_ID = "{AWS_KEY}"
r = redis.Redis()


async def refresh():
    time.sleep(1)  # {TODO}: stop blocking the loop


def fetch_orders(order_id):
    requests.get("https://orders.internal/" + order_id, timeout=3)
    return r.get(f"orders:{{order_id}}")
'''
PY_SLEEPING_TEST = """import asyncio


async def test_waits_for_the_worker():
    await asyncio.sleep(1)
"""
PY_HANDLER = """from fastapi import FastAPI

app = FastAPI()


@app.get("/orders")
def list_orders():
    return []
"""
RS_SEEDED = f"""//! Seeded violations (benchmarks/real_code.py).

const AWS_ACCESS_KEY_ID: &str = "{AWS_KEY}";

// {TODO}: remove the blocking client
pub async fn fetch_orders(con: &mut redis::Connection, order_id: &str) -> String {{
    let _ = reqwest::get("https://orders.internal/").await;
    con.get(format!("orders:{{}}", order_id)).unwrap()
}}
"""
RS_SLEEPING_TEST = """#[tokio::test]
async fn waits_for_the_worker() {
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}
"""

def _seeds(file: str, write: Callable[[Path], None], *rules: str,
           needs_hand: Sequence[str] = ()) -> tuple[Seed, ...]:
    """One seed per rule that the same planted file (or edit) must trip."""
    return tuple(Seed(rule, file, write, rule in needs_hand) for rule in (*rules, *needs_hand))


STARLETTE_SEEDS = (
    *_seeds("starlette/_seeded.py", _writer("starlette/_seeded.py", PY_SEEDED),
            "security.secret_in_code", "technical_debt.marker_without_ticket",
            "architecture.blocking_in_async", "architecture.no_direct_http", "security.tenant_key",
            "testing.logic_without_tests",
            needs_hand=["architecture.forbidden_import"]),
    *_seeds("tests/test_seeded.py", _writer("tests/test_seeded.py", PY_SLEEPING_TEST), "testing.async_sleep"),
    *_seeds("starlette/_seeded_app.py", _writer("starlette/_seeded_app.py", PY_HANDLER),
            "observability.handler_without_metric"),
)
TOWER_SEEDS = (
    *_seeds("tower/src/seeded.rs", _writer("tower/src/seeded.rs", RS_SEEDED),
            "security.secret_in_code", "technical_debt.marker_without_ticket", "architecture.no_direct_http",
            "security.tenant_key", "testing.logic_without_tests"),
    *_seeds("tower/tests/seeded_sleep.rs", _writer("tower/tests/seeded_sleep.rs", RS_SLEEPING_TEST),
            "testing.async_sleep"),
)
HTTP_PROTO = "google/api/http.proto"
STATUS_PROTO = "google/rpc/status.proto"
PROTO_SEEDS = (
    *_seeds(HTTP_PROTO, _edit(HTTP_PROTO, "  string body = 7;\n", ""),
            "protocol.field_removed_without_reserve", "protocol.proto_without_spec_and_tests"),
    # A deleted field is field_removed_without_reserve's alone: breaking_change gets a type change.
    *_seeds(STATUS_PROTO, _edit(STATUS_PROTO, "  int32 code = 1;", "  string code = 1;"),
            "protocol.breaking_change"),
    *_seeds("google/api/_seeded.py", _writer("google/api/_seeded.py", PY_SEEDED),
            "security.secret_in_code", "technical_debt.marker_without_ticket"),
)

def _for_a_while(rule: str, paths: list[str], reason: str) -> dict[str, Any]:
    """An exception entry that expires in 60 days (meta.invalid_exception allows at most 90)."""
    expires = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    return {"rule": rule, "paths": paths, "reason": reason, "expires": expires}


# The hand configuration below was what it took before ``sentinel init`` and the rules learned the
# same (test and benchmark handlers are not services, nested test folders, proto roots from the
# imports, commit ids in .cargo_vcs_info.json): kept, so that init and init+hand stay comparable
# with the first runs; only the forbidden-import contract is still needed.
REPOS = (
    Repo("starlette", fetch_starlette, hand={
        "params": {"architecture": {"forbidden": [
            {"name": "the library never imports its tests", "source_modules": ["starlette"],
             "forbidden_modules": ["tests"]},
        ]}},
        "exceptions": [_for_a_while("observability.handler_without_metric", ["tests/**", "benchmarks/**"],
                                    "handlers in tests and benchmarks are fixtures, not services")],
    }, seeds=STARLETTE_SEEDS),
    Repo("tower-ws", fetch_tower, hand={
        # crates.io adds the crate's git sha here: not the project's file, not a secret.
        "extract": {"exclude": ["**/.cargo_vcs_info.json"]},
        "params": {"testing": {"core_test_paths": ["*/tests/**"]}},
    }, seeds=TOWER_SEEDS),
    Repo("googleapis-common-protos", fetch_protos, hand={
        # The files import each other as google/api/...: the include root is the top.
        "extract": {"options": {"proto": {"include_paths": ["."]}}},
    }, seeds=PROTO_SEEDS),
)


def seed(repo: Path, seeds: Sequence[Seed]) -> None:
    run([*GIT, "checkout", "-qb", "seeded"], cwd=repo)
    done: set[int] = set()
    for s in seeds:
        if id(s.write) not in done:
            s.write(repo)
            done.add(id(s.write))
    run([*GIT, "add", "-A"], cwd=repo)
    run([*GIT, "commit", "-qm", "seeded violations"], cwd=repo)


# ---------------------------------------------------------------------------------------------
# Scoring


def load_judgments() -> dict[tuple[str, str], dict[str, Any]]:
    if not JUDGMENTS.exists():
        return {}
    rows = json.loads(JUDGMENTS.read_text(encoding="utf-8"))["judgments"]
    return {(row["repo"], row["key"]): row for row in rows}


def pct(num: int, den: int) -> str:
    return f"{100 * num / den:5.1f}%" if den else "   n/a"


def precision_table(repo: str, findings: Sequence[Finding],
                    judgments: dict[tuple[str, str], dict[str, Any]]) -> tuple[int, int, list[Finding]]:
    """Print blocking findings and precision per rule; (true, judged, unjudged findings)."""
    per_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        per_rule[f.rule].append(f)
    total_true = total_judged = 0
    unjudged: list[Finding] = []
    print(f"  {'rule':46} {'deny':>5} {'judged':>6} {'true':>5} {'precision':>9}")
    for rule in sorted(per_rule):
        judged = [judgments[(repo, f.key)] for f in per_rule[rule] if (repo, f.key) in judgments]
        unjudged += [f for f in per_rule[rule] if (repo, f.key) not in judgments]
        true = sum(1 for j in judged if j["true"])
        total_true += true
        total_judged += len(judged)
        print(f"  {rule:46} {len(per_rule[rule]):5} {len(judged):6} {true:5} {pct(true, len(judged)):>9}")
    print(f"  {'all blocking rules':46} {len(findings):5} {total_judged:6} {total_true:5} "
          f"{pct(total_true, total_judged):>9}")
    return total_true, total_judged, unjudged


def recall_table(findings: Sequence[Finding], seeds: Sequence[Seed], hand: bool) -> tuple[int, int]:
    found = {(f.rule, f.file) for f in findings}
    caught = counted = 0
    for s in seeds:
        if s.needs_hand and not hand:
            print(f"    n/a    {s.rule:46} {s.file} (rule needs hand configuration)")
            continue
        hit = (s.rule, s.file) in found
        counted += 1
        caught += hit
        print(f"    {'caught' if hit else 'MISSED'} {s.rule:46} {s.file}")
    print(f"    recall {caught}/{counted} = {pct(caught, counted).strip()}")
    return caught, counted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/realcode"))
    parser.add_argument("--dump", type=Path, help="write the unjudged blocking findings (JSON) here")
    parser.add_argument("--only", action="append", help="repository name (repeatable)")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    if HERE.parent in root.parents or root == HERE.parent:
        raise SystemExit("--root must be outside the Sentinel tree")
    judgments = load_judgments()
    print(f"configuration: {'sentinel init' if has_init() else 'minimal conftest.yml (no sentinel init)'}")
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    to_judge: list[dict[str, Any]] = []
    for spec in REPOS:
        if args.only and spec.name not in args.only:
            continue
        lines = hand_lines(spec.hand)
        if lines > MAX_HAND_LINES:
            raise SystemExit(f"{spec.name}: hand configuration is {lines} lines, over {MAX_HAND_LINES}")
        repo = root / "repos" / spec.name
        import_into_git(spec.fetch(root), repo)
        for variant, hand in (("init", None), ("init+hand", spec.hand)):
            print(f"\n== {spec.name} [{variant}{f', {lines} hand lines' if hand else ''}]")
            configure(repo, hand)
            findings = check(repo)
            true, judged, unjudged = precision_table(spec.name, findings, judgments)
            to_judge += [{"repo": spec.name, "rule": f.rule, "file": f.file, "line": f.line, "key": f.key,
                          "msg": f.msg} for f in unjudged]
            seed(repo, spec.seeds)
            caught, counted = recall_table(check(repo, base="main"), spec.seeds, hand is not None)
            totals[variant].update(true=true, judged=judged, caught=caught, seeded=counted)
    print("\n== all repositories")
    for variant, t in totals.items():
        print(f"  {variant:10} precision {t['true']}/{t['judged']} = {pct(t['true'], t['judged']).strip()}"
              f"   recall {t['caught']}/{t['seeded']} = {pct(t['caught'], t['seeded']).strip()}")
    if args.dump:
        unique = {(row["repo"], row["key"]): row for row in to_judge}
        args.dump.write_text(json.dumps(sorted(unique.values(), key=lambda r: (r["repo"], r["key"])),
                                        indent=1), encoding="utf-8")
        print(f"\n{len(unique)} unjudged findings written to {args.dump}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
