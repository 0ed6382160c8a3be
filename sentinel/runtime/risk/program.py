"""The risk table as a regorus compiled program (RVM), the engine decisions run on.

This is not ``sentinel.runtime.decision.compiled.CompiledPolicy``: the decider imports this package
to annotate its decisions, so importing the decision package from here would make the two sibling
packages import each other (the ``acyclic`` contract in conftest.yml). It does the same, for one
trusted policy and one entry point: compile once, keep the serialized program, and give each
thread its own virtual machine (regorus's ``Program`` and ``Rvm`` are bound to the thread that
made them). Any object with the same ``evaluate_json`` (a CompiledPolicy too) can stand in.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from sentinel.errors import PolicyError

_UNDEFINED_JSON = '"<undefined>"'  # what Rvm.execute_entry_point answers for an undefined rule


class Evaluator(Protocol):
    """What the classifier needs from an engine: the JSON value of an entry point, or None when it
    is undefined; any exception means the evaluation failed (an ``kind`` attribute names why)."""

    def evaluate_json(self, entrypoint: str, input_json: str) -> Any: ...


class ProgramError(Exception):
    """The program could not evaluate an input; ``kind`` is ``instruction_limit`` or ``engine``."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class RiskProgram:
    """One compiled entry point of trusted policies (the shipped table); safe to share between threads."""

    def __init__(self, program_bytes: bytes, entrypoint: str) -> None:
        self.program_bytes = program_bytes
        self.entrypoint = entrypoint
        self._local = threading.local()

    @classmethod
    def compile(cls, modules: Sequence[tuple[str, str]], entrypoint: str) -> RiskProgram:
        """Compile ``modules`` ((path, source) pairs) for ``entrypoint``; PolicyError names the file
        and line when they do not compile or do not define it."""
        import regorus

        from sentinel.runner.engine import engine_error

        try:
            program = regorus.Program.compile_from_modules("{}", list(modules), [entrypoint])
            raw = bytes(program.serialize_binary())
        except RuntimeError as exc:
            error = engine_error(exc, "the risk policy does not compile")
            if "not a valid rule path" in str(exc):
                error = PolicyError(f"the risk policy defines no rule {entrypoint}")
            raise error from None
        return cls(raw, entrypoint)

    def evaluate_json(self, entrypoint: str, input_json: str) -> Any:
        """The value of ``entrypoint`` for the serialized input, or None when it is undefined."""
        if entrypoint != self.entrypoint:
            raise ProgramError(f"{entrypoint} is not the entry point of this program", "engine")
        vm = self._vm()
        try:
            vm.set_input_json(input_json)
            raw = vm.execute_entry_point(entrypoint)
        except RuntimeError as exc:
            self._local.vm = None  # never reuse a VM an error left in an unknown state
            kind = "instruction_limit" if "instruction limit" in str(exc) else "engine"
            raise ProgramError(f"{entrypoint} could not be evaluated", kind) from None
        return None if raw == _UNDEFINED_JSON else json.loads(raw)

    def _vm(self) -> Any:
        vm = getattr(self._local, "vm", None)
        if vm is None:
            import regorus

            program, partial = regorus.Program.deserialize_binary(self.program_bytes)
            if partial:
                raise ProgramError("the compiled program is incomplete", "engine")
            vm = regorus.Rvm()
            vm.load_program(program)
            vm.set_data_json("{}")
            self._local.vm = vm
        return vm
