"""A regorus compiled program (RVM bytecode) as a content-addressed artifact: the engine that
decisions (``runtime.decision``) and risk classification (``runtime.risk``) both run on. It sits
below both packages and imports neither, so they share it without importing each other.

``CompiledPolicy.compile`` parses, checks and compiles the policies in a forked worker with a time
and memory limit (regorus's parser overflows its stack on long operator chains and takes
exponential time on nested arrays; a policy may be written by an attacker), and keeps only the
serialized program: ``digest`` is the SHA-256 of those bytes. Data is not part of the program;
it is loaded into each virtual machine.

regorus's ``Program`` and ``Rvm`` objects are bound to the thread that made them (pyo3
``unsendable``: another thread panics), so every thread deserializes its own program and keeps
its own VM, created on first use and reused for every later evaluation in that thread (see
``thread_bound``: a regorus object dropped by another thread leaks and raises).

Limits: the RVM stops after 25,000 executed instructions (fixed in the wheel, which exposes no
setter and no execution timer); the time limit of a decision is checked after the call returns
(see decision/decider.py), since regorus holds the GIL while it runs and cannot be interrupted.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from sentinel.errors import PolicyError
from sentinel.runner.sandbox import Limits

# Compiling in the worker takes milliseconds; 10 s and 1 GiB only stop a hostile policy.
COMPILE_LIMITS = Limits(timeout=10.0, memory=1024**3)
INSTRUCTION_LIMIT = 25_000  # regorus 0.13 RegoVM::new(); not configurable from Python


T = TypeVar("T")


# Each thread's regorus objects, by owner. Module-level on purpose: pyo3 makes regorus's Engine,
# Program and Rvm thread-bound, and dropping one in another thread leaks it and raises. Storage that
# belongs to an object (a threading.local attribute) is dropped by whichever thread collects that
# object, taking every thread's VMs with it; this one lives as long as each thread and is only
# ever read, written and swept by the thread it belongs to.
_THREAD_OBJECTS = threading.local()


def thread_bound(owner: object, factory: Callable[[], T]) -> T:
    """This thread's object for ``owner``, made by ``factory`` on first use. Objects of owners that
    are gone are dropped (in this thread, which made them) whenever a new one is made."""
    slots: dict[int, tuple[weakref.ref[object], Any]] | None = getattr(_THREAD_OBJECTS, "slots", None)
    if slots is None:
        slots = _THREAD_OBJECTS.slots = {}
    entry = slots.get(id(owner))
    if entry is not None and entry[0]() is owner:
        value: T = entry[1]
        return value
    for key in [k for k, (ref, _) in slots.items() if ref() is None]:
        del slots[key]
    made = factory()
    slots[id(owner)] = (weakref.ref(owner), made)
    return made


def forget_thread_bound(owner: object) -> None:
    """Drop this thread's object for ``owner`` (after an error left it in an unknown state)."""
    slots = getattr(_THREAD_OBJECTS, "slots", None)
    if slots is not None:
        slots.pop(id(owner), None)


class _Undefined:
    """The value of a rule that is not defined for an input (OPA answers without ``result``);
    compare with ``is UNDEFINED``."""

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Any = _Undefined()
_UNDEFINED_JSON = '"<undefined>"'  # what Rvm.execute_entry_point returns for an undefined rule


class EvaluationError(Exception):
    """A document could not be evaluated. ``kind`` names the cause for callers: ``instruction_limit``,
    ``input`` (not JSON the engine holds), ``entrypoint``, ``engine``; the decider adds ``time_limit``
    and ``no_pack``."""

    def __init__(self, message: str, kind: str = "engine") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class _Built:
    """What the compile worker sends back: the program bytes and the rules of every package."""

    program: bytes
    entrypoints: tuple[str, ...]
    rules: dict[str, frozenset[str]]


@dataclass
class ProgramCache:
    """Compiled programs by the SHA-256 of their sources and entry points, so reloading a revision
    (or many tenants sharing one pack) compiles once. Owned by whoever loads packs; not global.
    Keeps the ``capacity`` most recently used programs (a long-running service sees many revisions)."""

    capacity: int = 256
    entries: dict[str, _Built] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def lookup(self, key: str) -> _Built | None:
        with self.lock:
            built = self.entries.pop(key, None)
            if built is not None:
                self.entries[key] = built  # most recently used last
            return built

    def store(self, key: str, built: _Built) -> None:
        with self.lock:
            self.entries.pop(key, None)
            self.entries[key] = built
            while len(self.entries) > self.capacity:
                del self.entries[next(iter(self.entries))]


class CompiledPolicy:
    """Policies compiled to RVM bytecode for a fixed set of entry points (``data.pkg.rule``)."""

    def __init__(self, built: _Built, data_json: str) -> None:
        self.program_bytes = built.program
        self.digest = hashlib.sha256(built.program).hexdigest()
        self.entrypoints: tuple[str, ...] = built.entrypoints
        self.rules: Mapping[str, frozenset[str]] = built.rules
        self._data_json = data_json

    @classmethod
    def compile(
        cls,
        modules: Sequence[tuple[str, str]],
        data: Mapping[str, Any],
        entrypoints: Sequence[str],
        *,
        optional_entrypoints: Sequence[str] = (),
        limits: Limits | None = COMPILE_LIMITS,
        cache: ProgramCache | None = None,
    ) -> CompiledPolicy:
        """Compile ``modules`` for ``entrypoints`` (each must be a defined rule) and those of
        ``optional_entrypoints`` that the policies define. Raises PolicyError naming the file."""
        try:
            data_json = json.dumps(data, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"policy data is not JSON: {exc}") from None
        key = _cache_key(modules, entrypoints, optional_entrypoints)
        built = cache.lookup(key) if cache is not None else None
        if built is None:
            built = _build_guarded(list(modules), list(entrypoints), list(optional_entrypoints), limits)
            if cache is not None:
                cache.store(key, built)
        return cls(built, data_json)

    def prepare(self) -> None:
        """Make this thread's VM now (deserializing the program and loading the data), so that a
        timed evaluation measures only the evaluation."""
        if self.entrypoints:
            thread_bound(self, self._new_vm)

    def evaluate(self, entrypoint: str, input: Any) -> Any:
        """The value of ``entrypoint`` for ``input``, or UNDEFINED. Raises EvaluationError, also
        for an input the engine would not hold exactly (NaN, integers past 64 bits)."""
        from sentinel.errors import ParseError
        from sentinel.runner.engine import _LONG_NUMBER, _check_integers

        try:
            text = json.dumps(input, allow_nan=False, separators=(",", ":"))
            if _LONG_NUMBER.search(text):
                _check_integers(input)
        except (TypeError, ValueError, RecursionError, ParseError):
            raise EvaluationError("the input is not JSON the engine can hold exactly", "input") from None
        return self.evaluate_json(entrypoint, text)

    def evaluate_json(self, entrypoint: str, input_json: str) -> Any:
        """``evaluate`` with the input already serialized (the hot path)."""
        return self.evaluate_many((entrypoint,), input_json)[0]

    def evaluate_many(self, entrypoints: Sequence[str], input_json: str) -> list[Any]:
        """Several entry points for one input, which is parsed once."""
        for entrypoint in entrypoints:
            if entrypoint not in self.entrypoints:
                raise EvaluationError(f"{entrypoint} is not an entry point of this program", "entrypoint")
        vm = thread_bound(self, self._new_vm)
        out: list[Any] = []
        entrypoint = ""
        failure: str | None = None
        try:
            vm.set_input_json(input_json)
            for entrypoint in entrypoints:
                raw = vm.execute_entry_point(entrypoint)
                out.append(UNDEFINED if raw == _UNDEFINED_JSON else _loads(raw))
        except RuntimeError as exc:
            failure = str(exc).split("\n", 1)[0].strip()
        if failure is None:
            return out
        # Raised outside the except block with the VM released: an exception kept in a reference
        # cycle must not hold a VM, which the garbage collector could then drop in another thread.
        del vm
        forget_thread_bound(self)  # never reuse a VM an error left in an unknown state
        raise _evaluation_error(failure, entrypoint or "the input")

    def _new_vm(self) -> Any:
        import regorus

        program, partial = regorus.Program.deserialize_binary(self.program_bytes)
        if partial:
            raise EvaluationError("the compiled program is incomplete", "engine")
        vm = regorus.Rvm()
        vm.load_program(program)
        vm.set_data_json(self._data_json)
        return vm


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _evaluation_error(first: str, entrypoint: str) -> EvaluationError:
    if "instruction limit" in first:
        return EvaluationError(
            f"{entrypoint} exceeded the engine's limit of {INSTRUCTION_LIMIT} instructions",
            "instruction_limit",
        )
    if "recursion limit" in first or "JSON" in first or "json" in first:
        return EvaluationError("the input is not JSON the engine can hold", "input")
    return EvaluationError(f"{entrypoint} could not be evaluated: {first[:200]}", "engine")


def _cache_key(
    modules: Sequence[tuple[str, str]], entrypoints: Sequence[str], optional: Sequence[str]
) -> str:
    digest = hashlib.sha256()
    for part in (sorted(modules), list(entrypoints), list(optional)):
        digest.update(json.dumps(part, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _build_guarded(
    modules: list[tuple[str, str]], entrypoints: list[str], optional: list[str], limits: Limits | None
) -> _Built:
    if limits is None:
        return _build(modules, entrypoints, optional)
    from sentinel.runner.sandbox import run_guarded

    return run_guarded(
        [None], lambda _: _build(modules, entrypoints, optional), limits, describe=lambda _: "compiling"
    )[0]


def _build(modules: list[tuple[str, str]], entrypoints: list[str], optional: list[str]) -> _Built:
    """Parse and vet with the interpreter (names files and lines, refuses recursion, which
    crashes regorus), then compile the entry points the policies define."""
    import regorus

    from sentinel.runner.engine import engine_error
    from sentinel.runner.vet import vet_modules

    engine = regorus.Engine()
    engine.set_policy_length_config(max_col=1_000_000, max_file_bytes=64 * 1024 * 1024, max_lines=1_000_000)
    for path, text in modules:
        try:
            engine.add_policy(path, text)
        except RuntimeError as exc:
            raise engine_error(exc, "cannot compile policy") from None
    try:
        ast = json.loads(engine.get_ast_as_json())
    except RecursionError:
        raise PolicyError("a policy nests too deeply to check") from None
    vet_modules(ast)
    rules = _rules_by_package(ast)
    defined = {f"data.{pkg}.{rule}" for pkg, names in rules.items() for rule in names}
    missing = [e for e in entrypoints if e not in defined]
    if missing:
        raise PolicyError(f"the policies define no rule {', '.join(missing)}")
    chosen = list(dict.fromkeys([*entrypoints, *(e for e in optional if e in defined)]))
    if not chosen:
        return _Built(b"", (), {k: frozenset(v) for k, v in rules.items()})
    try:
        program = regorus.Program.compile_from_modules("{}", modules, chosen)
        raw = bytes(program.serialize_binary())
    except RuntimeError as exc:
        raise engine_error(exc, "cannot compile the policies to a program") from None
    return _Built(raw, tuple(chosen), {k: frozenset(v) for k, v in rules.items()})


def _rules_by_package(ast: list[dict[str, Any]]) -> dict[str, set[str]]:
    from sentinel.runner.engine import _ref_path, _rule_name

    out: dict[str, set[str]] = {}
    for module in ast:
        tree = module["ast"]
        package = ".".join(_ref_path(tree["package"]["refr"]))
        names = out.setdefault(package, set())
        for rule in tree.get("rules", []):
            name = _rule_name(rule)
            if name:
                names.add(name)
    return out
