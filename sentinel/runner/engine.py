"""The Rego engine behind a small port, with regorus as the adapter.

The runner only needs: load policies and data once, list namespaces and their rules, and
evaluate a namespace (or a query) against one input. Policies are compiled once per run; each
evaluation works on a cheap clone when per-file data (``data.conftest.file``) is needed.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson
import regorus

from sentinel.errors import ParseError, PolicyError
from sentinel.runner import conftest_builtins
from sentinel.runner.sandbox import Limits, Progress, run_guarded
from sentinel.runner.v0_keywords import check_v0_keywords
from sentinel.runner.vet import CONFTEST_RULE, vet_modules

_LOCATION = re.compile(r"-->\s*(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)\s*\n")
_ERROR_LINE = re.compile(r"^error:\s*(?P<msg>.+)$", re.MULTILINE)
# regorus keeps integers in [-2^63, 2^64 - 1] exact and turns larger ones into floats; 19 digits
# in a row is the cheap test that finds every candidate in the serialized input.
_EXACT_INTEGERS = (-(2**63), 2**64 - 1)
_LONG_NUMBER = re.compile(r"\d{19}")
ENGINE_MAX_DEPTH = 127
# The extension standing in for ``time.now_ns`` (as long as it, so that columns stay put).
CLOCK = "_sntl_clock"
UNDEFINED = "<undefined>"


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
    message += _gap_hint(message)
    if loc:
        return PolicyError(f"{what}: {message}", file=loc.group("file"), line=int(loc.group("line")))
    return PolicyError(f"{what}: {message}")


_PRINT_CALL = re.compile(r"(?<![\w.])print\s*\(")

# Errors regorus 0.13 gives on Rego that OPA accepts (reproducers: tests/engine_gaps/).
_GAPS = (
    ("could not find function", "a builtin the embedded engine (regorus) lacks"),
    (
        "used before definition",
        "regorus rejects a variable re-declared inside a comprehension, which OPA accepts",
    ),
)


def _gap_hint(message: str) -> str:
    for needle, what in _GAPS:
        if needle in message:
            return f" ({what}: run with --engine opa, which needs the opa binary, or rewrite the rule)"
    return ""


@dataclass(frozen=True)
class Inspection:
    """What the runner needs from the compiled policies' AST (small enough to cross processes)."""

    rules: dict[str, Counter[str]]
    tests: list[TestRule]
    locations: dict[tuple[str, str], tuple[str, int]]


class RegorusEngine:
    """regorus (the ``gordon-to-regorus`` wheel), compiled once per run.

    With ``limits``, the policies are first compiled and checked (vet.py) in a forked worker
    within those limits: regorus's parser takes exponential time on nested arrays and overflows
    its stack on long operator chains, and a policy may be written by an attacker. Only when that
    worker succeeds does this process compile them (about 25 ms for the rule library).
    """

    def __init__(
        self,
        policies: list[PolicySource],
        data: dict[str, Any],
        rego_v0: bool = False,
        limits: Limits | None = None,
        inspection: Inspection | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        """``inspection``: what an earlier guarded probe of these very policies and data found
        (sentinel.runner.eval_cache keeps it by their hash); the probe is then skipped.
        ``clock``: registered as the extension :data:`CLOCK` (eval_cache rewrites ``time.now_ns()``
        calls to it, to learn which evaluations read the clock)."""
        self.policies = policies
        if inspection is not None:
            self._engine = _compile(policies, data, rego_v0, clock=clock)
        elif limits is None:
            self._engine = _compile(policies, data, rego_v0, clock=clock)
            inspection = _inspect(self._engine)
        else:
            inspection = _probe(policies, data, rego_v0, limits, clock)
            self._engine = _compile(policies, data, rego_v0, clock=clock)
        self.inspection = inspection
        self._rules, self._tests, self._locations = inspection.rules, inspection.tests, inspection.locations
        # Called with (what, file, line) before each rule is evaluated: the evaluation worker
        # records it so a crash or a timeout can name the rule.
        self.on_rule: Callable[[str, str | None, int | None], None] | None = None
        # Cloning per input costs ~50 us; only pay it when some policy reads data.conftest.
        self.uses_file_data = any("conftest" in s.text for s in policies)
        # print() output of the last evaluate_rules call, per namespace; gathered only when some
        # policy may call print (gathering changes the evaluation order to conftest's).
        self.uses_print = any(_PRINT_CALL.search(s.text) for s in policies)
        self.last_prints: dict[str, list[str]] = {}

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
        if self.on_rule is not None:
            self.on_rule(f"evaluating data.{rule.namespace}.{rule.name}", rule.file, rule.line)
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
        An undefined rule reads as ``[]``; a ``deny``/``violation``/``warn`` rule whose value is not
        a collection of strings and objects with a string ``msg`` (conftest would ignore it) is a
        PolicyError at the rule's line. An input that the engine cannot hold exactly (Infinity,
        integers past 64 bits, nesting past the engine's depth) is a ParseError without a file.
        Evaluating rules rather than whole packages (``data.<ns>``) also avoids a regorus defect
        where a package spread over several files can evaluate some rules to empty sets.
        """
        engine = self._engine
        if file_data is not None and self.uses_file_data:
            engine = engine.clone()
            engine.add_data(file_data)
        set_input(engine, document)
        if self.uses_print:
            return self._evaluate_printing(engine, rules)
        out: dict[str, dict[str, list[Any]]] = {}
        hook = self.on_rule
        for namespace, names in rules.items():
            values: dict[str, list[Any]] = {}
            for name in names:
                file, line = self._locations.get((namespace, name), (None, None))
                if hook is not None:
                    hook(f"evaluating data.{namespace}.{name}", file, line)
                value = self._rule_value(engine, namespace, name)
                if value is None or value == UNDEFINED:
                    value = []
                if _is_conftest_rule(name):
                    _check_results(value, f"data.{namespace}.{name}", file, line)
                values[name] = value if isinstance(value, list) else []
            out[namespace] = values
        return out

    def _evaluate_printing(
        self, engine: regorus.Engine, rules: dict[str, list[str]]
    ) -> dict[str, dict[str, list[Any]]]:
        """evaluate_rules in conftest's order, gathering print() output: for each rule in source
        order, the exception query (conftest runs it once per rule) and then the rule."""
        if engine is self._engine:
            engine = engine.clone()
        engine.set_gather_prints(True)
        self.last_prints = {}
        out: dict[str, dict[str, list[Any]]] = {}
        for namespace, names in rules.items():
            prints = self.last_prints.setdefault(namespace, [])
            checked = sorted(
                (n for n in names if n != "exception"),
                key=lambda n: self._locations.get((namespace, n), ("", 0)),
            )
            values: dict[str, list[Any]] = {}
            for name in checked:
                if "exception" in names:
                    values["exception"] = self._checked_value(engine, namespace, "exception")
                    prints.extend(engine.take_prints())
                values[name] = self._checked_value(engine, namespace, name)
                prints.extend(engine.take_prints())
            out[namespace] = values
        return out

    def _checked_value(self, engine: regorus.Engine, namespace: str, name: str) -> list[Any]:
        file, line = self._locations.get((namespace, name), (None, None))
        if self.on_rule is not None:
            self.on_rule(f"evaluating data.{namespace}.{name}", file, line)
        value = self._rule_value(engine, namespace, name)
        if value is None or value == UNDEFINED:
            value = []
        if _is_conftest_rule(name):
            _check_results(value, f"data.{namespace}.{name}", file, line)
        return value if isinstance(value, list) else []

    def _rule_value(self, engine: regorus.Engine, namespace: str, name: str) -> Any:
        path = f"data.{namespace}.{name}"
        try:
            return loads(engine.eval_rule_as_json(path))
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
                set_input(engine, document)
            raw = engine.eval_query_as_json(query)
        except RuntimeError as exc:
            raise engine_error(exc, f"cannot evaluate {query}") from exc
        results = json.loads(raw).get("result") or []
        return [r["expressions"][0]["value"] for r in results]


_JSON_KINDS = {bool: "a boolean", int: "a number", float: "a number", str: "a string", dict: "an object"}


@functools.cache
def loads(text: str) -> Any:
    """regorus's JSON at orjson's speed (3x the stdlib on rule values); the stdlib for what orjson
    refuses (a lone surrogate escape). regorus holds no integer past 64 bits, which orjson would
    read as a float."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


@functools.cache
def _is_conftest_rule(name: str) -> bool:
    return CONFTEST_RULE.match(name) is not None


def _check_results(value: Any, path: str, file: str | None, line: int | None) -> None:
    """conftest reads a deny/warn/violation value as messages: strings or objects with a string msg."""
    if not isinstance(value, list):
        kind = _JSON_KINDS.get(type(value), "value")
        raise PolicyError(f"{path} is {kind}, not a set of messages; conftest would ignore it", file, line)
    for item in value:
        if isinstance(item, str) or (isinstance(item, dict) and isinstance(item.get("msg"), str)):
            continue
        shown = json.dumps(item)[:80]
        raise PolicyError(
            f"{path} produced {shown}, which is neither a string nor an object with a string "
            '"msg"; conftest would ignore it',
            file,
            line,
        )


def set_input(engine: regorus.Engine, document: Any) -> None:
    """Hand the input to regorus as JSON text, refusing what it would not hold exactly."""
    try:
        text = json.dumps(document, allow_nan=False)
    except ValueError:
        raise ParseError(
            "the input holds a number JSON cannot represent (one too large, such as 1e400, or NaN)"
        ) from None
    except RecursionError:
        raise ParseError("the input nests too deeply to evaluate") from None
    if _LONG_NUMBER.search(text):
        _check_integers(document)
    try:
        engine.set_input_json(text)
    except RuntimeError as exc:
        if "recursion limit" in str(exc):
            raise ParseError(
                f"the input nests deeper than the engine's limit of {ENGINE_MAX_DEPTH} levels"
            ) from None
        raise engine_error(exc, "cannot set input") from exc


def _check_integers(document: Any) -> None:
    low, high = _EXACT_INTEGERS
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, int) and not isinstance(node, bool) and not low <= node <= high:
            raise ParseError(
                f"the input holds the integer {str(node)[:40]}, outside the range the engine compares "
                "exactly (-2^63 to 2^64-1); write it as a string"
            )


def _compile(
    policies: list[PolicySource],
    data: dict[str, Any],
    rego_v0: bool,
    on_file: Callable[[str, str | None, int | None], None] | None = None,
    clock: Callable[[], int] | None = None,
) -> regorus.Engine:
    engine = regorus.Engine()
    engine.set_rego_v0(rego_v0)
    if clock is not None:
        engine.add_extension(CLOCK, 0, clock)
    # regorus caps line width, file size and line count of policies; OPA has no such caps, so
    # raise them well past anything a policy file holds (input size is checked elsewhere).
    engine.set_policy_length_config(max_col=1_000_000, max_file_bytes=256 * 1024 * 1024, max_lines=10_000_000)
    for source in policies:
        if on_file is not None:
            on_file("compiling the policy", source.path, None)
        if rego_v0:
            check_v0_keywords(source.path, source.text)
        try:
            engine.add_policy(source.path, source.text)
        except RuntimeError as exc:
            raise engine_error(exc, "cannot compile policy") from exc
    folder = conftest_builtins.calling_folder([(s.path, s.text) for s in policies])
    if folder is not None:
        conftest_builtins.register(engine, folder)
    if data:
        try:
            engine.add_data_json(json.dumps(data))
        except RuntimeError as exc:
            raise engine_error(exc, "cannot load data") from exc
    return engine


def _probe(
    policies: list[PolicySource],
    data: dict[str, Any],
    rego_v0: bool,
    limits: Limits,
    clock: Callable[[], int] | None = None,
) -> Inspection:
    """Compile and inspect in a guarded worker; the parent compiles only what the worker survived."""
    steps: list[Callable[[str, str | None, int | None], None]] = []

    def work(_: None) -> Inspection:
        engine = _compile(policies, data, rego_v0, on_file=steps[0] if steps else None, clock=clock)
        if steps:
            steps[0]("reading the syntax tree of the policies", None, None)
        return _inspect(engine)

    def setup(progress: Progress) -> None:
        steps.append(progress.step)

    return run_guarded([None], work, limits, describe=lambda _: "", setup=setup)[0]


def _inspect(engine: regorus.Engine) -> Inspection:
    """namespace -> rule head name -> number of definitions (conftest counts each); test rules;
    where each rule is defined. Also runs the checks of vet.py."""
    try:
        modules = json.loads(engine.get_ast_as_json())
    except RuntimeError as exc:
        raise engine_error(exc, "cannot read policies") from exc
    except RecursionError:
        raise PolicyError("a policy nests too deeply to check") from None
    locations = vet_modules(modules)
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
    return Inspection(rules, sorted(tests.values(), key=lambda t: (t.file, t.line)), locations)


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
