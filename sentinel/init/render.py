"""From detect's findings to the files ``sentinel init`` writes: one commented conftest.yml, the
GitHub workflow, and the .gitignore line for Sentinel's outputs.

Every value comes from repository content, so scalars and lists are written as JSON (valid YAML
flow style, quoting whatever a name holds) and the rendered text is parsed back and compared
with what was meant: a name can never smuggle a key into the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pathspec
import yaml

from sentinel.init.detect import Findings

WORKFLOW_PATH = ".github/workflows/sentinel.yml"
GITIGNORE_LINE = ".sentinel/"


@dataclass
class Rendered:
    """The configuration as data and as commented text, and what was left out and why."""

    config: dict[str, Any]
    text: str
    inferred: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _flow(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)


def _matching(files: list[str], globs: list[str]) -> bool:
    spec = pathspec.PathSpec.from_lines("gitwildmatch", globs)
    return any(spec.match_file(f) for f in files)


def _live(globs: list[str], files: list[str], where: str, notes: list[str]) -> list[str]:
    """The globs that match a file; the others are noted (a glob matching nothing is an error)."""
    live = [glob for glob in globs if _matching(files, [glob])]
    notes += [f"{where}: {glob!r} matches no file: left out" for glob in globs if glob not in live]
    return live


def _layers(findings: Findings, files: list[str], notes: list[str]) -> dict[str, list[str]]:
    layers: dict[str, list[str]] = {}
    for kind, found in (("package", findings.packages), ("crate", findings.crates)):
        for name, folder in sorted(found.items()):
            globs = ["src/**"] if folder == "." else [f"{folder}/**"]
            if name in layers:
                notes.append(f"{kind} {name!r} in {folder} has the name of another layer: not declared")
            elif _matching(files, globs):
                layers[name] = globs
    for test_dir in findings.test_dirs:
        # A nested test folder (a crate's tests/) stays in its package's or crate's layer.
        if "/" not in test_dir and test_dir not in layers:
            layers[test_dir] = [f"{test_dir}/**"]
    return layers


def build(findings: Findings, files: list[str]) -> Rendered:
    """The configuration for ``findings``; ``files`` (the repository's) keeps every glob live."""
    notes = list(findings.notes)
    inferred: list[str] = []
    extract: dict[str, Any] = {"out": ".sentinel/inputs"}
    options: dict[str, Any] = {}
    params: dict[str, Any] = {}
    layers = _layers(findings, files, notes)
    if layers:
        options["files"] = {"layers": layers}
        inferred.append(f"layers: {', '.join(layers)}")
    core = [glob for name, globs in layers.items() if name not in findings.test_dirs for glob in globs]
    if core:
        params["core"] = {"paths": core}
        inferred.append(f"core paths: {', '.join(core)}")
    if findings.contracts:
        params["architecture"] = findings.contracts
        count = sum(len(c) for c in findings.contracts.values())
        inferred.append(f"{count} import contracts from {findings.contracts_from}")
    tests = [f"{t}/**" for t in findings.test_dirs]
    if tests:
        params["testing"] = {"core_test_paths": tests}
        integration = [f"{t}/integration/**" for t in findings.test_dirs]
        integration = [glob for glob in integration if _matching(files, [glob])]
        if integration:
            params["testing"]["integration_test_paths"] = integration
        else:
            notes.append("no integration test folder found: testing.integration_test_paths keeps the "
                         "library default")
        inferred.append(f"test paths: {', '.join(tests)}")
    else:
        notes.append("no test folder found (tests/, test/, spec/, testing/ at the top, or holding test files "
                     "deeper): test paths keep the library defaults")
    if findings.proto_roots:
        proto: dict[str, Any] = {"include_paths": findings.proto_roots}
        protocol: dict[str, Any] = {}
        buf = findings.buf
        if buf is not None:
            protocol["strictness"] = buf.strictness
            ignore = _live(buf.ignore, files, f"{buf.source}: breaking.ignore", notes)
            ignore_only = {
                rule: live
                for rule, globs in buf.ignore_only.items()
                if (live := _live(globs, files, f"{buf.source}: breaking.ignore_only.{rule}", notes))
            }
            translated = {"except": buf.except_rules, "ignore": ignore, "ignore_only": ignore_only}
            proto.update({key: value for key, value in translated.items() if value})
            inferred.append(f"breaking-change settings from {buf.source} (strictness {buf.strictness})")
        else:
            notes.append("no buf.yaml: protocol.breaking_change keeps the default strictness WIRE_JSON")
        if tests:
            protocol["test_paths"] = tests
        options["proto"] = proto
        if protocol:
            params["protocol"] = protocol
        inferred.append(f"proto roots: {', '.join(findings.proto_roots)}")
    if findings.secrets_baseline:
        options["secrets"] = {"baseline": findings.secrets_baseline}
        inferred.append(f"secrets baseline: {findings.secrets_baseline}")
    if options:
        extract["options"] = options
    config: dict[str, Any] = {"extract": extract}
    if params:
        config["params"] = params
    config["exceptions"] = []
    text = _text(config, findings)
    if yaml.safe_load(text) != config:
        raise AssertionError("the rendered conftest.yml does not read back as the configuration it renders")
    return Rendered(config=config, text=text, inferred=inferred, notes=notes)


def _text(config: dict[str, Any], findings: Findings) -> str:
    languages = ", ".join(f"{name} ({count})" for name, count in findings.languages.items()) or "none"
    out = [
        "# Sentinel's settings, first written by `sentinel init` from what it found here:",
        f"# languages {languages}. Review it, then commit it. Checked against",
        "# sentinel/schemas/config.schema.json (see docs/configuration.md); `sentinel init --check`",
        "# tells whether it still matches the tree.",
        "",
    ]
    extract = config["extract"]
    out += ["extract:", "  # Where the extractors write their JSON facts (ignored by git).",
            f"  out: {_flow(extract['out'])}"]
    options = extract.get("options", {})
    if options:
        out.append("  options:")
    if "files" in options:
        out += [
            "    files:",
            "      # Declared once: the files extractor labels files with them and the rules read them",
            "      # as data.sentinel.params.core.layers. One layer per top-level package or crate.",
            "      layers:",
        ]
        out += [f"        {_flow(name)}: {_flow(g)}" for name, g in options["files"]["layers"].items()]
    if "proto" in options:
        proto = options["proto"]
        out += ["    proto:", "      # protoc's -I roots: where the .proto files' imports resolve from.",
                f"      include_paths: {_flow(proto['include_paths'])}"]
        if any(key in proto for key in ("except", "ignore", "ignore_only")):
            source = findings.buf.source if findings.buf else "buf.yaml"
            out.append(f"      # From {source}'s breaking section.")
        for key in ("except", "ignore"):
            if key in proto:
                out.append(f"      {key}: {_flow(proto[key])}")
        if "ignore_only" in proto:
            out.append("      ignore_only:")
            out += [f"        {_flow(rule)}: {_flow(globs)}" for rule, globs in proto["ignore_only"].items()]
    if "secrets" in options:
        out += ["    secrets:", "      # The detect-secrets baseline: the findings it lists are marked.",
                f"      baseline: {_flow(options['secrets']['baseline'])}"]
    params = config.get("params", {})
    if params:
        out += ["", "params:"]
    if "core" in params:
        out += ["  core:", "    # Logic here needs tests with every change; debt here must be tracked.",
                f"    paths: {_flow(params['core']['paths'])}"]
    if "architecture" in params:
        out += ["  architecture:", f"    # Translated from {findings.contracts_from} (import-linter's keys)."]
        for kind, contracts in params["architecture"].items():
            out.append(f"    {kind}:")
            for contract in contracts:
                first = True
                for key, value in contract.items():
                    out.append(f"      {'- ' if first else '  '}{key}: {_flow(value)}")
                    first = False
    if "testing" in params:
        out += ["  testing:", "    # Test files held to the core standard (testing.async_sleep denies)."]
        out += [f"    {key}: {_flow(value)}" for key, value in params["testing"].items()]
    if "protocol" in params:
        out += ["  protocol:"]
        if "strictness" in params["protocol"]:
            out.append("    # buf category whose breaking changes are denied (buf.yaml's breaking.use).")
        out += [f"    {key}: {_flow(value)}" for key, value in params["protocol"].items()]
    out += [
        "",
        "# Findings silenced for a while: {rule, paths, reason, expires: YYYY-MM-DD}. Known findings",
        "# that should not block are better kept in a baseline: `sentinel baseline create`.",
        "exceptions: []",
        "",
    ]
    return "\n".join(out)


WORKFLOW = """\
# Sentinel on pull requests: policy check, one sticky comment, labels, a check run with
# annotations, SARIF to code scanning, and a gate that fails on blocking findings.
# Written by `sentinel init`; see Sentinel's docs/github.md. Pin the action to a release tag.
name: Sentinel

on:
  pull_request:
    types: [opened, synchronize, reopened, edited, ready_for_review]

permissions:
  contents: read

concurrency:
  group: sentinel-${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  policy-check:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    permissions:
      contents: read
      pull-requests: write   # the sticky comment
      issues: write          # labels (pull-request labels live in the issues API)
      checks: write          # the check run and its annotations
      statuses: write        # the fallback commit status
      security-events: write # SARIF upload (skipped on fork pull requests)
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0     # the base commit, for diff-aware rules
      - uses: <owner>/sentinel@<tag>
        with:
          base: ${{ github.event.pull_request.base.sha }}
"""


def gitignore_with_outputs(current: str | None) -> str | None:
    """The .gitignore text with Sentinel's output folder ignored, or None when it already is."""
    lines = (current or "").splitlines()
    if any(line.strip() in (".sentinel", ".sentinel/", "/.sentinel", "/.sentinel/") for line in lines):
        return None
    prefix = current or ""
    if prefix and not prefix.endswith("\n"):
        prefix += "\n"
    return f"{prefix}# Sentinel's extracted facts (sentinel check)\n{GITIGNORE_LINE}\n"
