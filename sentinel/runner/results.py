"""The runner's native results: conftest's ``--output json`` shape.

Everything downstream (outputs, the bot, the gate) reads these records or their
JSON form, never the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Location:
    file: str = ""
    line: int | str = ""

    def __reduce__(self) -> tuple[type[Location], tuple[Any, ...]]:
        return (Location, (self.file, self.line))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.file:
            out["file"] = self.file
        if self.line != "":
            out["line"] = self.line
        return out


@dataclass(slots=True)
class Result:
    """One rule result: a message, an optional location and metadata."""

    msg: str
    loc: Location | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)

    @property
    def rule(self) -> str:
        """Stable rule id (metadata ``rule``), falling back to the query that produced it."""
        return str(self.metadata.get("rule") or self.metadata.get("query") or "")

    def __reduce__(self) -> tuple[type[Result], tuple[Any, ...]]:
        # Positional reconstruction: half the unpickling time of the slots default, which matters
        # for the tens of thousands of results evaluation workers send back.
        return (Result, (self.msg, self.loc, self.metadata, self.outputs))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"msg": self.msg}
        if self.loc is not None:
            out["loc"] = self.loc.to_json()
        if self.metadata:
            out["metadata"] = self.metadata
        if self.outputs:
            out["outputs"] = self.outputs
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Result:
        loc_raw = raw.get("loc")
        loc = Location(file=loc_raw.get("file", ""), line=loc_raw.get("line", "")) if loc_raw else None
        return cls(
            msg=str(raw.get("msg", "")),
            loc=loc,
            metadata=dict(raw.get("metadata") or {}),
            outputs=list(raw.get("outputs") or []),
        )


@dataclass(slots=True)
class CheckResult:
    """Results of one input file (or one combined document) against one namespace."""

    filename: str
    namespace: str
    successes: int = 0
    failures: list[Result] = field(default_factory=list)
    warnings: list[Result] = field(default_factory=list)
    exceptions: list[Result] = field(default_factory=list)
    skipped: list[Result] = field(default_factory=list)
    # verify only: passing tests that printed something (for ``--report notes``); not part of
    # conftest's JSON shape, so never serialized.
    notes: list[Result] = field(default_factory=list)
    # test: print() output of the policies while this input was evaluated ("file:line: text"), in
    # conftest's evaluation order; shown as PRNT lines by the stdout output, not serialized.
    prints: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return (
            self.successes
            + len(self.failures)
            + len(self.warnings)
            + len(self.exceptions)
            + len(self.skipped)
        )

    def to_json(self) -> dict[str, Any]:
        """conftest's JSON field order; empty lists are omitted, as conftest does."""
        out: dict[str, Any] = {
            "filename": self.filename,
            "namespace": self.namespace,
            "successes": self.successes,
        }
        for name in ("skipped", "warnings", "failures", "exceptions"):
            items: list[Result] = getattr(self, name)
            if items:
                out[name] = [r.to_json() for r in items]
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> CheckResult:
        def results(key: str) -> list[Result]:
            return [Result.from_json(r) for r in raw.get(key) or []]

        return cls(
            filename=str(raw.get("filename", "")),
            namespace=str(raw.get("namespace", "")),
            successes=int(raw.get("successes", 0)),
            failures=results("failures"),
            warnings=results("warnings"),
            exceptions=results("exceptions"),
            skipped=results("skipped"),
        )


def has_failures(results: list[CheckResult]) -> bool:
    return any(r.failures for r in results)


def has_warnings(results: list[CheckResult]) -> bool:
    return any(r.warnings for r in results)


def exit_code(results: list[CheckResult], fail_on_warn: bool = False, no_fail: bool = False) -> int:
    """0 clean, 1 failures (or warnings with ``fail_on_warn``). Errors (2) never reach here."""
    if no_fail:
        return 0
    if has_failures(results):
        return 1
    if fail_on_warn and has_warnings(results):
        return 1
    return 0
