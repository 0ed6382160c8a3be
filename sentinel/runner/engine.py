"""The Rego engine behind a small port, with regorus as the adapter.

The runner only needs: load policies and data once, list namespaces and their rules, and
evaluate a namespace (or a query) against one input. Policies are compiled once per run; each
evaluation works on a cheap clone when per-file data (``data.conftest.file``) is needed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import regorus

from sentinel.errors import PolicyError

_LOCATION = re.compile(r"-->\s*(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)\s*\n")
_ERROR_LINE = re.compile(r"^error:\s*(?P<msg>.+)$", re.MULTILINE)


@dataclass(frozen=True)
class PolicySource:
    path: str
    text: str


@dataclass(frozen=True)
class TestRule:
    namespace: str
    name: str
    file: str
    line: int


class Engine(Protocol):
    """What the runner needs from a Rego engine."""

    def namespaces(self) -> list[str]: ...

    def rule_counts(self, namespace: str) -> Counter[str]: ...

    def evaluate_rules(
        self, rules: dict[str, list[str]], document: Any, file_data: dict[str, Any] | None
    ) -> dict[str, dict[str, list[Any]]]: ...

    def query(self, query: str, document: Any = None) -> Any: ...


def engine_error(exc: Exception, what: str) -> PolicyError:
    """Turn a regorus error (with its Rust backtrace) into one line naming the policy file and line."""
    text = str(exc).split("\nStack backtrace:", 1)[0]
    loc = _LOCATION.search(text)
    msg_match = _ERROR_LINE.search(text)
    message = msg_match.group("msg").strip() if msg_match else text.strip().splitlines()[-1]
    if loc:
        return PolicyError(f"{what}: {message}", file=loc.group("file"), line=int(loc.group("line")))
    return PolicyError(f"{what}: {message}")


class RegorusEngine:
    """regorus (the ``gordon-to-regorus`` wheel), compiled once per run."""

    def __init__(self, policies: list[PolicySource], data: dict[str, Any], rego_v0: bool = False) -> None:
        self._engine = regorus.Engine()
        self._engine.set_rego_v0(rego_v0)
        # regorus caps line width, file size and line count of policies; OPA has no such caps, so
        # raise them well past anything a policy file holds (input size is checked elsewhere).
        self._engine.set_policy_length_config(
            max_col=1_000_000, max_file_bytes=256 * 1024 * 1024, max_lines=10_000_000
        )
        self.policies = policies
        for source in policies:
            try:
                self._engine.add_policy(source.path, source.text)
            except RuntimeError as exc:
                raise engine_error(exc, "cannot compile policy") from exc
        if data:
            try:
                self._engine.add_data_json(json.dumps(data))
            except RuntimeError as exc:
                raise engine_error(exc, "cannot load data") from exc
        self._rules, self._tests = self._collect_rules()
        # Cloning per input costs ~50 us; only pay it when some policy reads data.conftest.
        self.uses_file_data = any("conftest" in s.text for s in policies)

    def _collect_rules(self) -> tuple[dict[str, Counter[str]], list[TestRule]]:
        """namespace -> rule head name -> number of definitions (conftest counts each); test rules."""
        try:
            modules = json.loads(self._engine.get_ast_as_json())
        except RuntimeError as exc:
            raise engine_error(exc, "cannot read policies") from exc
        rules: dict[str, Counter[str]] = {}
        tests: dict[tuple[str, str], TestRule] = {}
        for module in modules:
            ast = module["ast"]
            namespace = ".".join(_ref_path(ast["package"]["refr"]))
            counter = rules.setdefault(namespace, Counter())
            for rule in ast.get("rules", []):
                name = _rule_name(rule)
                if name:
                    counter[name] += 1
                if name and name.startswith("test_") and (namespace, name) not in tests:
                    line = rule["Spec"]["span"]["line"]
                    tests[(namespace, name)] = TestRule(namespace, name, module["source"]["file"], line)
        return rules, sorted(tests.values(), key=lambda t: (t.file, t.line))

    def namespaces(self) -> list[str]:
        return sorted(self._rules)

    def rule_counts(self, namespace: str) -> Counter[str]:
        return self._rules.get(namespace, Counter())

    def test_rules(self) -> list[TestRule]:
        return list(self._tests)

    def run_test(self, rule: TestRule) -> tuple[bool, list[str]]:
        """Evaluate one ``test_`` rule: passes when it is defined and true. Returns print() output."""
        engine = self._engine.clone()
        engine.set_gather_prints(True)
        try:
            raw = engine.eval_rule_as_json(f"data.{rule.namespace}.{rule.name}")
        except RuntimeError as exc:
            raise engine_error(exc, f"cannot evaluate data.{rule.namespace}.{rule.name}") from exc
        return json.loads(raw) is True, list(engine.take_prints())

    def evaluate_rules(
        self, rules: dict[str, list[str]], document: Any, file_data: dict[str, Any] | None
    ) -> dict[str, dict[str, list[Any]]]:
        """The values of the given rules (namespace -> rule names) for one input.

        The input is serialized and set once; each rule is evaluated by path, which needs no
        query parsing (measured: 25 rules by path cost less than one query that builds them).
        A rule whose value is not a set or array (conftest ignores those) reads as ``[]``.
        Evaluating rules rather than whole packages (``data.<ns>``) also avoids a regorus defect
        where a package spread over several files can evaluate some rules to empty sets.
        """
        engine = self._engine
        if file_data is not None and self.uses_file_data:
            engine = engine.clone()
            engine.add_data(file_data)
        try:
            engine.set_input_json(json.dumps(document))
        except RuntimeError as exc:
            raise engine_error(exc, "cannot set input") from exc
        out: dict[str, dict[str, list[Any]]] = {}
        for namespace, names in rules.items():
            values: dict[str, list[Any]] = {}
            for name in names:
                value = self._rule_value(engine, namespace, name)
                values[name] = value if isinstance(value, list) else []
            out[namespace] = values
        return out

    def _rule_value(self, engine: regorus.Engine, namespace: str, name: str) -> Any:
        path = f"data.{namespace}.{name}"
        try:
            return json.loads(engine.eval_rule_as_json(path))
        except RuntimeError as exc:
            if "not a valid rule path" not in str(exc):
                raise engine_error(exc, f"cannot evaluate {path}") from exc
        # Rules with reference heads (deny_x["key"] := ...) are not addressable by path; a
        # query reads them (conftest ignores such object values, and so do we).
        try:
            raw = engine.eval_query_as_json(rule_ref(namespace, name))
        except RuntimeError as exc:
            raise engine_error(exc, f"cannot evaluate {path}") from exc
        results = json.loads(raw).get("result") or []
        return results[0]["expressions"][0]["value"] if results else None

    def query(self, query: str, document: Any = None) -> Any:
        engine = self._engine.clone()
        try:
            if document is not None:
                engine.set_input_json(json.dumps(document))
            raw = engine.eval_query_as_json(query)
        except RuntimeError as exc:
            raise engine_error(exc, f"cannot evaluate {query}") from exc
        results = json.loads(raw).get("result") or []
        return [r["expressions"][0]["value"] for r in results]


def rule_ref(namespace: str, rule: str) -> str:
    """``data["a"]["b"]["rule"]``: a reference that is valid whatever characters the names hold."""
    return "data" + "".join(f"[{json.dumps(part)}]" for part in [*namespace.split("."), rule])


def _ref_path(ref: dict[str, Any]) -> list[str]:
    """Flatten a regorus AST reference (Var / RefDot / RefBrack) into its path."""
    if "Var" in ref:
        return [ref["Var"]["value"]]
    if "RefDot" in ref:
        node = ref["RefDot"]
        return [*_ref_path(node["refr"]), node["field"][1]]
    if "RefBrack" in ref:
        node = ref["RefBrack"]
        index = node.get("index", {})
        key = index.get("String", {}).get("value")
        return [*_ref_path(node["refr"]), *([key] if key else [])]
    return []


def _rule_name(rule: dict[str, Any]) -> str | None:
    spec = rule.get("Spec")
    if spec is None:
        return None
    head = spec["head"]
    for kind in ("Set", "Compr", "Func"):
        if kind in head:
            path = _ref_path(head[kind]["refr"])
            return path[0] if path else None
    return None


def read_policy(path: Path) -> PolicySource:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read policy: {exc.strerror or exc}", file=str(path)) from exc
    if b"\0" in data:
        raise PolicyError("policy file is binary", file=str(path))
    try:
        return PolicySource(str(path), data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PolicyError("policy file is not valid UTF-8", file=str(path), line=line) from exc
