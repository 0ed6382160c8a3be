"""``statemachines`` kind: state-machine documents, the code they cover, and which states it names.

Markdown documents (under ``paths``) have YAML front matter (read as in the ``techdebt`` kind)::

    ---
    name: order
    covers: ["services/orders/**/*.py", "Orders.StateMachine"]
    states: [Pending, Paid, Shipped]          # optional
    transitions:                              # optional
      - {from: Pending, to: Paid, event: pay}
    ---

and/or a fenced ```` ```mermaid ```` block with a ``stateDiagram`` / ``stateDiagram-v2``:
``A --> B : event``, ``[*] --> A`` (``A`` is initial), ``B --> [*]`` (``B`` is final),
``state "Long name" as A``, ``A : description``, composite ``state A { ... }`` (inner states are
listed like the others). States and transitions from both sources are merged; each says where it
came from and on which line. When the front matter lists ``states``, a transition naming any
other state is an ``errors`` entry.

``covers`` entries with ``/``, a glob character or a file extension are gitwildmatch globs;
other entries are module names (``app.orders.state``, ``Orders.StateMachine``) matched as
``**/app/orders/state.*`` and ``**/app/orders/state/**`` (CamelCase parts also as snake_case).
``covered_files`` are the selected files they match. ``mentions``: for every state (and TLA+
action), whether its name occurs as a whole word (case-sensitive) in a covered file.
``checked`` is false when nothing is covered, or when the name was not found and some covered
file could not be read.

TLA+ (``.tla``), best effort with line patterns: ``VARIABLE(S)`` names become ``variables``,
top-level definitions ``Name == ...`` / ``Name(args) == ...`` become ``actions`` (``Init``,
``Next`` and ``Spec`` included), the ``MODULE`` name is the ``name``, and a comment line
``\\* covers: a/**, b`` gives ``covers``.

Options (``extract.options.statemachines``): ``paths`` (``["state_machines/**/*.md",
"**/*.tla"]``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import yaml

from sentinel.extractors import gitrepo
from sentinel.extractors.base import ExtractContext, PerFile, document, parallel_map, problem, read_source
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.selection import matching
from sentinel.extractors.techdebt import jsonable, mapping_value, node_line, read_front_matter

KIND = "statemachines"
DEFAULT_PATHS = ["state_machines/**/*.md", "**/*.tla"]
INITIAL = "[*]"

_FENCE_OPEN = re.compile(r"^\s*(```+|~~~+)\s*mermaid\b", re.IGNORECASE)
_TRANSITION = re.compile(r"^\s*(\[\*\]|[\w.-]+)\s*-->\s*(\[\*\]|[\w.-]+)\s*(?::\s*(.*?))?\s*$")
_STATE_ALIAS = re.compile(r'^\s*state\s+"([^"]*)"\s+as\s+([\w.-]+)')
_STATE_BLOCK = re.compile(r"^\s*state\s+([\w.-]+)\s*(?:<<\w+>>)?\s*\{?\s*$")
_STATE_DESC = re.compile(r"^\s*([\w.-]+)\s*:\s*(.+)$")
_SKIP = re.compile(r"^\s*(%%|note\b|end note\b|direction\b|classDef\b|class\b|\}|--\s*$|$)")
_GLOB_HINT = re.compile(r"[/*?\[]|\.(py|rs|go|ex|exs|ts|tsx|js|jsx|mjs|java|kt|rb|md|proto)$")
_TLA_MODULE = re.compile(r"^-{4,}\s*MODULE\s+(\w+)\s*-{4,}")
_TLA_VARIABLES = re.compile(r"^\s*VARIABLES?\b(.*)$")
_TLA_DEFINITION = re.compile(r"^(\w+)\s*(?:\([^)]*\))?\s*==")
_TLA_COVERS = re.compile(r"^\s*\\\*\s*covers\s*:\s*(.+)$", re.IGNORECASE)
_TLA_KEYWORDS = {
    "CONSTANT",
    "CONSTANTS",
    "VARIABLE",
    "VARIABLES",
    "ASSUME",
    "THEOREM",
    "EXTENDS",
    "INSTANCE",
    "LOCAL",
    "RECURSIVE",
}


@dataclass
class Machine:
    file: str
    line: int
    format: str
    name: str
    covers: list[str] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    variables: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    declared: set[str] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add_state(self, name: str, line: int, source: str, label: str | None = None) -> None:
        if name == INITIAL:
            return
        entry = self.states.get(name)
        if entry is None:
            self.states[name] = {"name": name, "line": line, "source": source, "label": label}
        elif label and not entry["label"]:
            entry["label"] = label


# --- markdown ---------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _front_matter_machine(rel: str, fm: Any, machine: Machine) -> None:
    data = fm.data if isinstance(fm.data, dict) else {}
    node = fm.node
    if "name" in data and data["name"] is not None:
        machine.name = str(jsonable(data["name"]))
    machine.covers = [str(jsonable(c)) for c in _as_list(data.get("covers")) if c is not None]

    states_node = mapping_value(node, "states")
    if "states" in data:
        machine.declared = set()
        items = _as_list(data["states"])
        nodes = (
            states_node.value if isinstance(states_node, yaml.SequenceNode) else [states_node] * len(items)
        )
        for item, item_node in zip(items, nodes, strict=False):
            name = item.get("name") if isinstance(item, dict) else item
            if name is None or isinstance(name, dict | list):
                machine.errors.append(
                    {"message": f"state entry {jsonable(item)!r} has no name", "line": node_line(item_node)}
                )
                continue
            machine.declared.add(str(name))
            machine.add_state(str(name), node_line(item_node), "front_matter")

    trans_node = mapping_value(node, "transitions")
    items = _as_list(data.get("transitions"))
    nodes = trans_node.value if isinstance(trans_node, yaml.SequenceNode) else [trans_node] * len(items)
    for item, item_node in zip(items, nodes, strict=False):
        line = node_line(item_node)
        if not isinstance(item, dict) or item.get("from") is None or item.get("to") is None:
            machine.errors.append({"message": "transition needs 'from' and 'to'", "line": line})
            continue
        src, dst = str(item["from"]), str(item["to"])
        event = item.get("event")
        machine.transitions.append(
            {
                "from": src,
                "to": dst,
                "event": None if event is None else str(event),
                "line": line,
                "source": "front_matter",
            }
        )
        if machine.declared is None:
            machine.add_state(src, line, "front_matter")
            machine.add_state(dst, line, "front_matter")


def _mermaid_blocks(body: str, first_line: int) -> list[tuple[int, list[str]]]:
    """(file line of the first content line, lines) of each ``stateDiagram`` mermaid block."""
    lines = body.split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence = m.group(1)
        start = i + 1
        j = start
        while j < len(lines) and not lines[j].strip().startswith(fence[:3]):
            j += 1
        content = lines[start:j]
        head = next((ln.strip() for ln in content if ln.strip() and not ln.strip().startswith("%%")), "")
        if head.startswith("stateDiagram"):
            blocks.append((first_line + start, content))
        i = j + 1
    return blocks


def _mermaid_machine(body: str, body_first_line: int, machine: Machine) -> None:
    for first, content in _mermaid_blocks(body, body_first_line):
        seen_header = False
        for offset, raw in enumerate(content):
            line = first + offset
            text = raw.strip()
            if not seen_header:
                if text.startswith("stateDiagram"):
                    seen_header = True
                continue
            if _SKIP.match(raw):
                continue
            m = _TRANSITION.match(raw)
            if m:
                src, dst, event = m.group(1), m.group(2), (m.group(3) or None)
                machine.transitions.append(
                    {"from": src, "to": dst, "event": event, "line": line, "source": "mermaid"}
                )
                machine.add_state(src, line, "mermaid")
                machine.add_state(dst, line, "mermaid")
                continue
            m = _STATE_ALIAS.match(raw)
            if m:
                machine.add_state(m.group(2), line, "mermaid", label=m.group(1))
                continue
            m = _STATE_BLOCK.match(raw)
            if m:
                machine.add_state(m.group(1), line, "mermaid")
                continue
            m = _STATE_DESC.match(raw)
            if m:
                machine.add_state(m.group(1), line, "mermaid", label=m.group(2).strip())


def scan_markdown(rel: str, text: str) -> tuple[Machine | None, list[dict[str, Any]]]:
    fm = read_front_matter(rel, text)
    if fm.problems:
        return None, fm.problems
    stem = posixpath.splitext(posixpath.basename(rel))[0]
    machine = Machine(file=rel, line=1, format="markdown", name=stem)
    problems = []
    if fm.present:
        if fm.data is not None and not isinstance(fm.data, dict):
            return None, [
                problem(
                    rel,
                    "front matter must be a mapping (name, covers, states, transitions)",
                    line=2,
                    code="front_matter",
                )
            ]
        _front_matter_machine(rel, fm, machine)
    _mermaid_machine(fm.body, fm.body_first_line, machine)
    if not machine.states and not machine.transitions:
        problems.append(
            problem(
                rel,
                "no states: give 'states'/'transitions' in the front matter or a mermaid stateDiagram block",
                line=1,
                code="no_states",
            )
        )
    if machine.declared is not None:
        for t in machine.transitions:
            for end in (t["from"], t["to"]):
                if end != INITIAL and end not in machine.declared:
                    machine.errors.append(
                        {"message": f"transition uses undeclared state {end!r}", "line": t["line"]}
                    )
                    machine.add_state(end, t["line"], t["source"])
    return machine, problems


# --- TLA+ -------------------------------------------------------------------------------------


def scan_tla(rel: str, text: str) -> Machine:
    stem = posixpath.splitext(posixpath.basename(rel))[0]
    machine = Machine(file=rel, line=1, format="tla", name=stem)
    lines = text.split("\n")
    in_variables = False
    for i, raw in enumerate(lines, start=1):
        m = _TLA_MODULE.match(raw)
        if m:
            machine.name, machine.line = m.group(1), i
            continue
        m = _TLA_COVERS.match(raw)
        if m:
            machine.covers.extend(c.strip() for c in m.group(1).split(",") if c.strip())
            continue
        m = _TLA_VARIABLES.match(raw)
        rest = None
        if m:
            in_variables, rest = True, m.group(1)
        elif in_variables:
            if not raw.strip() or _TLA_DEFINITION.match(raw) or raw.split(" ", 1)[0] in _TLA_KEYWORDS:
                in_variables = False
            else:
                rest = raw
        if rest is not None:
            code = re.sub(r"\\\*.*$|\(\*.*?\*\)", "", rest)
            for name in re.findall(r"[A-Za-z_]\w*", code):
                machine.variables.append({"name": name, "line": i})
            continue
        m = _TLA_DEFINITION.match(raw)
        if m and m.group(1) not in _TLA_KEYWORDS:
            machine.actions.append({"name": m.group(1), "line": i})
    return machine


# --- covers and mentions ----------------------------------------------------------------------


def _snake(part: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", part).lower()


def cover_globs(entry: str) -> list[str]:
    entry = entry.strip()
    if _GLOB_HINT.search(entry):
        return [entry]
    parts = [p for p in re.split(r"\.|::", entry) if p]
    if not parts:
        return []
    variants = {"/".join(parts), "/".join(_snake(p) for p in parts)}
    globs = []
    for path in sorted(variants):
        globs.extend([f"**/{path}.*", f"**/{path}/**"])
    return globs


def _word(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])")


@dataclass(frozen=True)
class _MentionJob:
    root: str
    max_file_bytes: int
    file: str
    names: tuple[str, ...]


def _read_machine(ctx: ExtractContext, rel: str) -> tuple[Machine | None, list[dict[str, Any]]]:
    text, prob = read_source(ctx, rel)
    if text is None:
        return None, [prob or problem(rel, "cannot read file")]
    if rel.endswith(".tla"):
        return scan_tla(rel, text), []
    return scan_markdown(rel, text)


def _machine_failed(rel: str, prob: dict[str, Any]) -> tuple[Machine | None, list[dict[str, Any]]]:
    return None, [prob]


def _job_file(job: _MentionJob) -> str:
    return job.file


def _mentions_failed(job: _MentionJob, prob: dict[str, Any]) -> tuple[str, list[str] | None]:
    return job.file, None


def _mentions_in(job: _MentionJob) -> tuple[str, list[str] | None]:
    """(file, names it mentions) or (file, None) when it cannot be read."""
    from pathlib import Path

    ctx = ExtractContext(root=Path(job.root), files=(), max_file_bytes=job.max_file_bytes)
    text, _ = read_source(ctx, job.file)
    if text is None:
        return job.file, None
    return job.file, [n for n in job.names if n in text and _word(n).search(text)]


def _option_error(name: str, message: str) -> ExtractorError:
    return ExtractorError(f"extract.options.statemachines.{name}: {message}")


def _changed_since_base(ctx: ExtractContext) -> set[str] | None:
    """Paths changed since the merge base with ``ctx.base`` (old and new names of renames), or
    None without a base: then ``document_changed`` is null and no rule can judge it."""
    if ctx.base is None:
        return None
    changed: set[str] = set()
    for _status, path, old_path in gitrepo.name_status(ctx.root, ctx.base):
        changed.add(path)
        if old_path:
            changed.add(old_path)
    return changed


def extract(ctx: ExtractContext) -> dict[str, Any]:
    options = dict(ctx.options)
    unknown = sorted(set(options) - {"paths"})
    if unknown:
        raise _option_error(unknown[0], "unknown option; choose from paths")
    paths = options.get("paths", DEFAULT_PATHS)
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise _option_error("paths", "must be a list of globs")

    machines: list[Machine] = []
    problems: list[dict[str, Any]] = []
    read = PerFile(partial(_read_machine, ctx), str, _machine_failed, ctx.file_timeout_ms)
    for rel in matching(ctx.files, paths):
        machine, more = read(rel)
        problems.extend(more)
        if machine is not None:
            machines.append(machine)

    doc_files = {m.file for m in machines}
    covered: dict[str, list[str]] = {}
    unmatched: dict[str, list[str]] = {}
    wanted: dict[str, set[str]] = {}
    for m in machines:
        hit_files: set[str] = set()
        for entry in m.covers:
            hits = matching(ctx.files, cover_globs(entry)) if cover_globs(entry) else []
            hits = [h for h in hits if h not in doc_files]
            if not hits:
                unmatched.setdefault(m.file, []).append(entry)
            hit_files.update(hits)
        covered[m.file] = sorted(hit_files)
        names = [*m.states, *(a["name"] for a in m.actions)]
        for f in hit_files:
            wanted.setdefault(f, set()).update(names)

    jobs = [
        _MentionJob(str(ctx.root), ctx.max_file_bytes, f, tuple(sorted(n))) for f, n in sorted(wanted.items())
    ]
    scan = PerFile(_mentions_in, _job_file, _mentions_failed, ctx.file_timeout_ms)
    found: dict[str, list[str] | None] = dict(parallel_map(scan, jobs, jobs=ctx.jobs))

    changed = _changed_since_base(ctx)
    documents: list[dict[str, Any]] = []
    for m in sorted(machines, key=lambda x: x.file):
        files = covered[m.file]
        unreadable = any(found.get(f) is None for f in files)
        mentions = []
        kinds = [(s["name"], "state", s["line"]) for s in m.states.values()]
        kinds += [(a["name"], "action", a["line"]) for a in m.actions]
        for name, kind, line in kinds:
            where = sorted(f for f in files if name in (found.get(f) or []))
            mentions.append(
                {
                    "file": m.file,
                    "line": line,
                    "name": name,
                    "kind": kind,
                    "mentioned": bool(where),
                    "files": where,
                    "checked": bool(files) and (bool(where) or not unreadable),
                }
            )
        documents.append(
            {
                "file": m.file,
                "line": m.line,
                "format": m.format,
                "name": m.name,
                "covers": m.covers,
                "covers_unmatched": unmatched.get(m.file, []),
                "covered_files": files,
                "states": sorted(m.states.values(), key=lambda s: (s["line"], s["name"])),
                "initial": sorted(
                    {t["to"] for t in m.transitions if t["from"] == INITIAL and t["to"] != INITIAL}
                ),
                "final": sorted(
                    {t["from"] for t in m.transitions if t["to"] == INITIAL and t["from"] != INITIAL}
                ),
                "transitions": sorted(
                    m.transitions, key=lambda t: (t["line"], t["from"], t["to"], t["event"] or "")
                ),
                "variables": m.variables,
                "actions": m.actions,
                "mentions": sorted(mentions, key=lambda x: (x["kind"], x["name"])),
                "document_changed": None if changed is None else m.file in changed,
                "covered_changed": [] if changed is None else [f for f in files if f in changed],
                "errors": [
                    {"file": m.file, **e} for e in sorted(m.errors, key=lambda e: (e["line"], e["message"]))
                ],
            }
        )
    return document(
        ctx,
        KIND,
        base=ctx.base,
        machines=documents,
        totals={
            "machines": len(documents),
            "states": sum(len(d["states"]) for d in documents),
            "transitions": sum(len(d["transitions"]) for d in documents),
            "unmentioned": sum(
                1 for d in documents for x in d["mentions"] if x["checked"] and not x["mentioned"]
            ),
        },
        problems=problems,
    )
