"""What a reader sees of every library rule: its # METADATA block is the one source of its title,
description, fix and severity, at run time and in docs/policies.md, and its messages say what is
wrong and how to fix it, not where (the location is the result's loc).

Every deny_/warn_ head of the library fires once on small documents of each input kind, evaluated
by the real engine with the enrichment `sentinel check` applies. The expected texts are read from
the .rego files here, with plain YAML, not through the code under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from sentinel import rule_metadata
from sentinel.runner import evaluate
from sentinel.runner.results import Result

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policy-as-code" / "policies"
DATA = ROOT / "policy-as-code" / "data"
MARKER = "TO" + "DO"  # spelled in pieces so that this file does not flag itself
_BLOCK = re.compile(r"^# METADATA\n((?:#.*\n)+)((?:deny|warn)_\w+) contains ", re.MULTILINE)
_PACKAGE = re.compile(r"^package ([\w.]+)$", re.MULTILINE)


def _doc(kind: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "schema_version": 1, "root": ".", "revision": None, "problems": [], **fields}


def _py(module: str, imports: list[str], **fields: Any) -> dict[str, Any]:
    file = module.replace(".", "/") + ".py"
    rows = [{"file": file, "line": i + 1, "target": t, "names": [], "modules": [t], "kind": "first_party",
             "syntax": "import"} for i, t in enumerate(imports)]
    return {"file": file, "language": "python", "module": module, "imports": rows, "calls": [],
            "async_functions": [], **fields}


DOCUMENTS = {
    "imports": _doc("imports", files=[
        _py("app.high", []),
        _py("app.low", ["app.high"]),
        _py("app.a", ["app.b"]),
        _py("app.b", ["app.a"]),
        _py("app.worker", [], async_functions=[{"name": "poll", "calls": [
            {"file": "app/worker.py", "line": 5, "name": "time.sleep", "awaited": False}]}]),
        _py("app.client", [], calls=[
            {"file": "app/client.py", "line": 7, "name": "requests.get", "pattern": "requests."}]),
    ]),
    "proto": _doc(
        "proto",
        files=[{"file": "api/user.proto", "messages": [{"full_name": "acme.User", "fields": [
            {"full_name": "acme.User.nick", "name": "nick", "file": "api/user.proto", "line": 4,
             "deprecated": True, "options": {}, "comment": None, "label": "optional"}]}]}],
        changes=[{"file": "api/user.proto", "line": 3, "rule": "FIELD_SAME_TYPE", "element": "acme.User.name",
                  "categories": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"], "message": "type changed."}],
        deleted_fields=[{"file": "api/user.proto", "line": 2, "message": "acme.User", "name": "email",
                         "number": 2, "number_reserved": False, "name_reserved": False}],
        additions=[{"kind": "field", "element": "acme.User.age", "file": "api/user.proto", "line": 5,
                    "label": "required"}],
    ),
    "changes": _doc("changes", files=[
        {"file": "api/user.proto", "status": "M", "is_test": False, "added": 1, "line": 1},
        {"file": "app/store/db.py", "status": "M", "is_test": False, "added": 2, "line": 4},
        {"file": "app/web/views.py", "status": "M", "is_test": False, "added": 2, "line": 6},
    ]),
    "coverage": _doc(
        "coverage",
        changed={"percent": 50, "files": [
            {"file": "app/store/db.py", "line": 4, "missed": 1, "measured": 2, "missed_lines": [4]}]},
        baseline={"file": "coverage-baseline.json", "line": 1, "delta": -2.0, "total_percent": 90},
        totals={"percent": 88},
    ),
    "todos": _doc("todos", registry={"ids": ["TD-1"]}, todos=[
        {"file": "lib/x.py", "line": 2, "marker": MARKER, "text": "cache it", "ticket": None},
        {"file": "lib/y.py", "line": 3, "marker": MARKER, "text": "TD-9 cache it", "ticket": "TD-9"},
        {"file": "app/z.py", "line": 4, "marker": MARKER, "text": "JIRA-1 cache it", "ticket": "JIRA-1"},
    ]),
    "techdebt": _doc("techdebt", items=[
        {"file": "debt/TD-1.md", "line": 1, "id": "TD-1", "owner": "ana", "severity": "high",
         "expires": "2000-01-01", "expired": True, "status": "open", "errors": []},
        {"file": "debt/TD-2.md", "line": 1, "id": "TD-2", "owner": None, "severity": "high",
         "expires": "2999-01-01", "expired": False, "status": "open", "errors": ["owner is missing"]},
    ]),
    "secrets": _doc("secrets", findings=[
        {"rule": "AWS Access Key", "file": path, "line": 3, "fingerprint": "feedface" * 5,
         "in_baseline": False, "is_secret": None, "context": context}
        for path, context in (("app/settings.py", "code"), ("tests/fixtures/keys.py", "test"))
    ]),
    "tenancy": _doc("tenancy", sites=[
        {"file": "app/cache.py", "line": 7, "sink_kind": "cache_key", "key": 'f"orders:{order_id}"',
         "sink": "redis", "construction": "fstring", "has_tenant": False, "wildcard": False},
        {"file": "app/cache.py", "line": 9, "sink_kind": "cache_key", "key": "key", "sink": "redis",
         "construction": "variable", "has_tenant": False, "tenant": "unknown", "key_parameter": "key",
         "wildcard": False},
        {"file": "app/cache.py", "line": 11, "sink_kind": "cache_key", "key": '"orders:*"', "sink": "redis",
         "construction": "literal", "has_tenant": False, "wildcard": True},
    ]),
    "safety": _doc("safety", fail_open=[
        {"file": "app/auth.py", "line": 5, "function": "Gate.allowed", "pattern": "default_allow",
         "detail": "returns True when the check raises"}]),
    "observability": _doc(
        "observability",
        handlers=[{"file": "app/views.py", "line": 7, "name": "list_orders", "method": "GET",
                   "route": "/orders", "public": True, "resolved": True, "emits_metric": False,
                   "emits_log": False, "emits_trace": False}],
        unstructured_logs=[{"file": "app/views.py", "line": 9, "call": "print", "reason": "print"}],
    ),
    "statemachines": _doc("statemachines", machines=[
        {"name": "order", "file": "docs/order.md", "line": 1, "document_changed": False,
         "covered_changed": ["app/orders.py"], "covered_files": ["app/orders.py"],
         "states": [{"name": "paid", "line": 3}], "transitions": [],
         "mentions": [{"kind": "state", "name": "paid", "checked": True, "mentioned": False}]}]),
    "tests": _doc("tests", tests=[
        {"file": path, "name": "test_waits", "async": True,
         "sleeps": [{"file": path, "line": 5, "name": "asyncio.sleep"}]}
        for path in ("app/test_core.py", "bench/test_bench.py")
    ]),
    "files": _doc("files", files=[], problems=[
        {"file": "dump.sql", "line": None, "code": "too_large", "message": "over the limit"}]),
}

PARAMS = {"sentinel": {
    "params": {
        "core": {"paths": ["app/**"], "layers": {"store": ["app/store/**"], "web": ["app/web/**"]}},
        "architecture": {
            "forbidden": [{"name": "low", "source_modules": ["app.low"], "forbidden_modules": ["app.high"]},
                          {"name": "ghost", "source_modules": ["app.ghost"],
                           "forbidden_modules": ["app.high"]}],
            "layers": [{"name": "app", "layers": ["app.high", "app.low"]}],
            "independence": [{"name": "peers", "modules": ["app.high", "app.low"]}],
            "protected": [{"name": "high", "protected_modules": ["app.high"]}],
            "acyclic": [{"name": "siblings", "packages": ["app"]}],
            "blocking_calls": ["time.sleep("],
            "http": {"allowed_modules": [], "exempt_paths": []},
        },
        "security": {"tenancy": {"paths": ["app/**"]}},
        "testing": {"core_test_paths": ["app/**"]},
    },
    "exceptions": [{"rule": "security.tenant_key", "paths": ["nowhere/**"], "expires": "2999-01-01"}],
}}


def evaluated(params: dict[str, Any], kinds: list[str]) -> list[Result]:
    options = evaluate.TestOptions(policy=(str(POLICIES),), all_namespaces=True, default_data=(str(DATA),),
                                   data_config=params)
    inputs = [evaluate.Input(name=f".sentinel/inputs/{kind}.json", document=DOCUMENTS[kind])
              for kind in kinds]
    results = rule_metadata.enrich(evaluate.run_tests([], options, documents=inputs),
                                   rule_metadata.load([str(POLICIES)]))
    return [r for c in results for r in [*c.failures, *c.warnings]]


@pytest.fixture(scope="module")
def fired() -> dict[str, list[Result]]:
    """Query (data.<package>.<head>) -> its results: every document once, then the files document
    again with unscanned files as warnings."""
    warn_params = json.loads(json.dumps(PARAMS))
    warn_params["sentinel"]["params"]["meta"] = {"unscanned_file": {"level": "warn"}}
    out: dict[str, list[Result]] = {}
    for result in [*evaluated(PARAMS, list(DOCUMENTS)), *evaluated(warn_params, ["files"])]:
        out.setdefault(str(result.metadata["query"]), []).append(result)
    return out


def annotated_heads() -> dict[str, dict[str, Any]]:
    """Query -> the YAML of the # METADATA block right above that deny_/warn_ head."""
    heads: dict[str, dict[str, Any]] = {}
    for path in sorted(POLICIES.glob("*/*.rego")):
        text = path.read_text(encoding="utf-8")
        package = _PACKAGE.search(text)
        assert package is not None
        for block, head in _BLOCK.findall(text):
            lines = [line[2:] if line.startswith("# ") else line[1:] for line in block.splitlines()]
            heads[f"data.{package.group(1)}.{head}"] = yaml.safe_load("\n".join(lines))
    return heads


HEADS = annotated_heads()


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_the_documents_make_every_library_rule_fire(fired: dict[str, list[Result]]) -> None:
    assert len(HEADS) >= 38
    assert sorted(set(HEADS) - set(fired)) == []


@pytest.mark.parametrize("query", sorted(HEADS))
def test_results_show_the_title_description_fix_and_severity_of_the_rules_metadata(
        fired: dict[str, list[Result]], query: str) -> None:
    block = HEADS[query]
    assert fired.get(query)
    for result in fired[query]:
        meta = result.metadata
        assert meta["rule"] == block["custom"]["id"]
        assert meta["category"] == block["custom"]["id"].split(".")[0]
        assert meta["title"] == block["title"]
        assert meta["description"] == one_line(block["description"])
        assert meta["fix"] == one_line(block["custom"]["fix"])
        assert meta["severity"] == block["custom"]["severity"]


# Another change reworks this rule (its message, its copy of the metadata); it joins the checks
# when that lands.
REWORKED_ELSEWHERE: set[str] = set()


def test_the_rego_returns_no_copy_of_the_metadata(fired: dict[str, list[Result]]) -> None:
    """Title, description, fix and severity are written once, in the annotation: what a rule returns
    besides msg and _loc is only its id (the runner adds the query)."""
    returned = {
        query: sorted(set(r.metadata) - {"title", "description", "fix", "severity", "category", "help_uri"})
        for query, results in fired.items() for r in results if query not in REWORKED_ELSEWHERE
    }
    assert {tuple(keys) for keys in returned.values()} == {("query", "rule")}
    for path in sorted(POLICIES.glob("*/*.rego")):
        text = path.read_text(encoding="utf-8")
        if _BLOCK.search(text) and path.stem not in {q.split(".")[-2] for q in REWORKED_ELSEWHERE}:
            code = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
            assert not re.search(r'"(fix|severity|title|description|category)":', code), path


@pytest.mark.parametrize("query", sorted(set(HEADS) - REWORKED_ELSEWHERE))
def test_messages_do_not_start_with_or_repeat_the_location(fired: dict[str, list[Result]],
                                                            query: str) -> None:
    """A message may name other files (the .proto files of a change), never "<file>:<line>" again."""
    for result in fired.get(query, []):
        if result.loc is not None and result.loc.file:
            assert not result.msg.startswith(result.loc.file), result.msg
            assert f"{result.loc.file}:{result.loc.line}" not in result.msg, result.msg


def test_docs_policies_md_shows_each_rules_title_and_fix() -> None:
    """One title and one fix per rule id, the same in every head, and docs/policies.md shows them."""
    page = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    by_id: dict[str, set[tuple[str, str]]] = {}
    for block in HEADS.values():
        by_id.setdefault(block["custom"]["id"], set()).add((block["title"], one_line(block["custom"]["fix"])))
    for rule_id, texts in sorted(by_id.items()):
        assert len(texts) == 1, rule_id
        [(title, fix)] = texts
        section = page.split(f"\n### {rule_id} - {title}\n", 1)
        assert len(section) == 2, rule_id
        assert f"\n- Fix: {fix}\n" in section[1].split("\n### ", 1)[0], rule_id
