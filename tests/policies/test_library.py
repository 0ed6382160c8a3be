"""The policy library in policy-as-code/: its Rego tests, its conventions and its reference page.

These run the real CLI and read the real policy files; the rules' behaviour is specified by the
Rego tests next to them (``sentinel verify``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.config import load_config
from sentinel.docs_gen import collect, render

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policy-as-code" / "policies"
DATA = ROOT / "policy-as-code" / "data"
CATEGORIES = ("architecture", "protocol", "statemachines", "testing", "security", "observability",
              "technical_debt", "meta")
RULE_HEAD = re.compile(r"^(deny|warn)_(\w+) contains ", re.MULTILINE)

# Builtins the policies may call: each exists in OPA (conftest's engine) and in regorus. A new
# one must be checked against both before it is added here.
PORTABLE_BUILTINS = frozenset({
    "array.concat", "array.slice", "concat", "contains", "count", "endswith", "glob.match",
    "graph.reachable", "is_array", "is_boolean", "is_number", "is_string", "lower", "min",
    "numbers.range", "object.get", "object.keys", "object.remove", "object.union", "regex.match",
    "regex.split", "replace", "sort", "split", "sprintf", "startswith", "strings.any_prefix_match",
    "strings.any_suffix_match", "substring", "time.now_ns", "time.parse_ns", "time.parse_rfc3339_ns",
    "trim_space", "union",
})


def rule_files() -> list[Path]:
    return sorted(p for c in CATEGORIES for p in (POLICIES / c).glob("*.rego")
                  if not p.name.endswith("_test.rego") and p.name != "common.rego")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_the_rego_unit_tests_pass_under_sentinel_verify() -> None:
    code, output = run("verify", "-p", str(POLICIES), "-d", str(DATA), "--no-color")
    assert code == 0, output
    summary = output.strip().splitlines()[-1]
    total, passed = re.match(r"(\d+) tests, (\d+) passed", summary).groups()  # type: ignore[union-attr]
    assert total == passed and int(total) >= 2 * len(rule_files())


@pytest.mark.parametrize("rule", rule_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_rule_has_its_test_file(rule: Path) -> None:
    assert rule.with_name(f"{rule.stem}_test.rego").is_file()


@pytest.mark.parametrize("rule", rule_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_rule_is_one_package_named_for_its_file_and_checks_the_input_kind(rule: Path) -> None:
    text = rule.read_text(encoding="utf-8")
    assert text.startswith(f"package sentinel.{rule.parent.name}.{rule.stem}\n")
    assert {name for _, name in RULE_HEAD.findall(text)} == {rule.stem}
    assert 'input.kind == "' in text or "is_string(input.kind)" in text  # one kind, or every kind


@pytest.mark.parametrize("rule", rule_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_rule_head_carries_its_metadata(rule: Path) -> None:
    heads = [a for a in collect([str(rule)]) if a.kind]
    assert heads, "no annotated deny_/warn_ rule"
    for ann in heads:
        assert ann.title and ann.description
        assert ann.custom["id"] == f"{rule.parent.name}.{rule.stem}"
        assert ann.custom["severity"] in ("critical", "high", "medium", "low")
        assert isinstance(ann.custom["input"], str) and isinstance(ann.custom["data"], list)
        assert ann.custom["fix"]


def test_policies_call_only_builtins_that_opa_and_regorus_share() -> None:
    defined: set[str] = set()
    calls: set[str] = set()
    aliases = {"lib", "imports", "rule", "fx"}
    for path in POLICIES.rglob("*.rego"):
        text = path.read_text(encoding="utf-8")
        defined.update(re.findall(r"^(\w+)\(", text, re.MULTILINE))
        aliases.update(re.findall(r"^import data\.[\w.]+ as (\w+)$", text, re.MULTILINE))
        imported = re.findall(r"^import (data\.[\w.]+)$", text, re.MULTILINE)
        aliases.update(m.rsplit(".", 1)[-1] for m in imported)
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        code = re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`', '""', code)
        calls.update(re.findall(r"(?<![\w.])([a-z_][\w]*(?:\.[a-z_]\w*)*)\(", code))
    builtins = {c for c in calls if c.split(".", 1)[0] not in aliases and c not in defined} - {"set"}
    assert builtins <= PORTABLE_BUILTINS, sorted(builtins - PORTABLE_BUILTINS)


def test_docs_policies_md_is_current() -> None:
    expected = render(collect([str(POLICIES)]), title="Sentinel policies", root=ROOT)
    current = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert current == expected, "docs/policies.md is stale: run `sentinel doc -o docs/policies.md`"


def test_the_rules_read_the_layers_conftest_yml_gives_the_extractors() -> None:
    config = load_config(ROOT / "conftest.yml")
    raw = yaml.safe_load((ROOT / "conftest.yml").read_text(encoding="utf-8"))
    layers = raw["extract"]["options"]["files"]["layers"]
    assert config.data_overlay()["sentinel"]["params"]["core"]["layers"] == layers


def test_conftest_results_carry_the_rule_id_and_location_not_the_annotation(tmp_path: Path) -> None:
    """A real imports document through `sentinel test --all-namespaces`, as conftest would run it.

    The rule's title, description, fix and severity live in its # METADATA block only
    (`sentinel check` adds them to results); the Rego returns the id the bot keys on."""
    doc = {
        "kind": "imports", "schema_version": 1, "root": ".", "revision": None, "problems": [],
        "files": [
            {"file": "app/low.py", "language": "python", "module": "app.low", "calls": [],
             "async_functions": [], "imports": [
                 {"file": "app/low.py", "line": 3, "target": "app.high", "names": [], "modules": ["app.high"],
                  "kind": "first_party", "syntax": "import"}]},
            {"file": "app/high.py", "language": "python", "module": "app.high", "calls": [],
             "async_functions": [], "imports": []},
        ],
    }
    contract = {"name": "app", "layers": ["app.high", "app.low"]}
    params = {"sentinel": {"params": {"architecture": {"layers": [contract]}}}}
    (tmp_path / "imports.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "params.json").write_text(json.dumps(params), encoding="utf-8")
    code, output = run("test", str(tmp_path / "imports.json"), "-p", str(POLICIES),
                       "-d", str(tmp_path / "params.json"), "--all-namespaces", "-o", "json", "--no-color")
    assert code == 1, output
    failures = [f for result in json.loads(output) for f in result.get("failures", [])]
    assert [f["metadata"]["rule"] for f in failures] == ["architecture.layers"]
    assert failures[0]["metadata"] == {"rule": "architecture.layers",
                                       "query": "data.sentinel.architecture.layers.deny_layers"}
    assert failures[0]["loc"] == {"file": "app/low.py", "line": 3}
    assert "app/low.py" not in failures[0]["msg"]
