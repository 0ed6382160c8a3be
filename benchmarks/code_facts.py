"""Speed of the tenancy, observability, statemachines and techdebt extractors on ~4,000 files.

Corpus: the Python standard library's ``.py`` files (about 1,900), 300 generated files each of Go,
Rust, TypeScript and Elixir with cache/NATS/Kafka calls and HTTP handlers, 300 state-machine
documents covering them and 300 technical-debt items. The peer for the two code kinds is the
floor any structural extractor pays: parsing the same files (``ast.parse`` for Python,
tree-sitter for the rest) and nothing else; the ratio says what the analysis adds. Prints
medians of RUNS runs, one process and all cores.
Run: .venv/bin/python benchmarks/code_facts.py [RUNS]
"""

from __future__ import annotations

import ast
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sentinel.extractors import observability, statemachines, techdebt, tenancy, treesitter
from sentinel.extractors.base import ExtractContext

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5

GO = """package svc

import "fmt"

func (s *Server) Get{i}(w http.ResponseWriter, r *http.Request) {{
	s.rdb.Get(ctx, fmt.Sprintf("t:%s:item:{i}", r.TenantID))
	nc.Publish("orders.{i}", data)
	ordersTotal.Inc()
}}

func routes{i}() {{ http.HandleFunc("GET /items/{i}", s.Get{i}) }}
"""
RUST = """async fn list{i}() -> String {{
    let v: String = con.get(format!("t:{{tenant_id}}:{i}")).unwrap();
    tracing::info!("listed");
    v
}}

fn app{i}() -> Router {{ Router::new().route("/items/{i}", get(list{i})) }}
"""
TS = """export async function load{i}(tenantId: string) {{
  await redis.get(`t:${{tenantId}}:{i}`);
  await producer.send({{topic: "orders.{i}", messages}});
}}
"""
ELIXIR = """defmodule App.Item{i}Controller do
  require Logger

  def show(conn, %{{"id" => id}}) do
    Logger.info("show")
    Gnat.pub(conn, "items.{i}.#{{id}}", "")
    json(conn, id)
  end
end
"""
MACHINE = """---
name: item{i}
covers: ["gen/go/item{i}.go"]
---
```mermaid
stateDiagram-v2
    [*] --> Pending
    Pending --> Paid : pay
    Paid --> [*]
```
"""
DEBT = "---\nid: TD-{i}\nseverity: high\nowner: team\ncreated: 2024-01-01\nttl: 90d\n---\n"


def build(root: Path) -> list[str]:
    files: list[str] = []
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.rglob("*.py")):
        if "site-packages" in path.parts:
            continue
        rel = "stdlib/" + path.relative_to(stdlib).as_posix()
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, root / rel)
        files.append(rel)
    templates = {"go/item{i}.go": GO, "rust/item{i}.rs": RUST, "ts/item{i}.ts": TS,
                 "ex/item{i}_controller.ex": ELIXIR, "state_machines/item{i}.md": MACHINE,
                 "technical_debt/td{i}.md": DEBT}
    for name, template in templates.items():
        for i in range(300):
            rel = ("gen/" if not name.startswith(("state_", "technical_")) else "") + name.format(i=i)
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(template.format(i=i), encoding="utf-8")
            files.append(rel)
    return sorted(files)


def parse_only(root: Path, files: list[str]) -> int:
    parsed = 0
    for rel in files:
        text = (root / rel).read_bytes()
        if rel.endswith(".py"):
            try:
                ast.parse(text)
            except (SyntaxError, ValueError):
                continue
        elif (grammar := treesitter.grammar_for(rel)) is not None:
            treesitter.parser(grammar).parse(text)
        else:
            continue
        parsed += 1
    return parsed


def median(func: Callable[[], Any]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = build(root)
        print(f"corpus: {len(files)} files; medians of {RUNS} runs")
        floor = median(lambda: parse_only(root, files))
        print(f"peer: parse only (ast + tree-sitter), 1 process: {floor:6.2f} s")
        for kind in (tenancy, observability, statemachines, techdebt):
            name = kind.__name__.rsplit(".", 1)[-1]
            for jobs in (1, 0):
                ctx = ExtractContext(root=root, files=tuple(files), jobs=jobs)
                seconds = median(partial(kind.extract, ctx))
                where = "1 process" if jobs == 1 else "all cores"
                code_kind = kind in (tenancy, observability)
                ratio = f"  ({seconds / floor:4.2f}x the parse-only peer)" if code_kind else ""
                print(f"{name:14} {where}: {seconds:6.2f} s{ratio}")


if __name__ == "__main__":
    main()
