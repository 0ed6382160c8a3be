"""One pass over the source files for every kind that reads them.

The flow: a file → read and decoded once (:class:`SourceFile`) → each interested kind's cheap text
prefilter → parsed once per language, and only when a kind asks (Python ``ast``, tree-sitter once
per grammar) → each kind's visitor → that kind's per-file record. Records are cached per kind by the
file's content (``cache.CachedRun``): a file goes through the pass only for the kinds that miss it.
Each kind then builds its document from its records (its cross-file step).

A kind takes part by exposing ``plan(ctx) -> KindPlan``; its ``extract(ctx)`` is
``extract_one(plan(ctx))``, so a kind run alone goes through the same pass.
"""

from __future__ import annotations

import ast
import gc
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import tree_sitter as ts

from sentinel.extractors import treesitter
from sentinel.extractors.base import (
    PER_FILE_ERRORS,
    ExtractContext,
    file_budget,
    parallel_map,
    problem_for,
    read_source_bytes,
)
from sentinel.extractors.cache import CachedRun
from sentinel.extractors.pyast import parse as parse_python


class SourceFile:
    """One file of the pass: read and decoded on first request, each tree built on first request.

    What went wrong (unreadable, a parse error, a time-out inside the parse) is kept as well, so
    every kind that asks meets the same outcome and reports it its own way, as each did when it
    read and parsed the file itself.
    """

    __slots__ = ("_lowered", "_read", "_trees", "max_file_bytes", "rel", "root")

    def __init__(self, root: str, rel: str, max_file_bytes: int) -> None:
        self.root = root
        self.rel = rel
        self.max_file_bytes = max_file_bytes
        self._read: tuple[bytes | None, str | None, dict[str, Any] | None] | None = None
        self._trees: dict[str, Any] = {}
        self._lowered: str | None = None

    def release(self) -> None:
        """Drop the text and trees (see :meth:`_FileWork.__call__`)."""
        self._read = None
        self._lowered = None
        self._trees.clear()

    def text(self) -> tuple[str | None, dict[str, Any] | None]:
        """``base.read_source``: the text, or the problem saying why it cannot be read."""
        if self._read is None:
            self._read = read_source_bytes(self.root, self.rel, self.max_file_bytes)
        _, text, prob = self._read
        return text, None if prob is None else dict(prob)

    def lowered(self) -> str | None:
        """The text in lower case when it is all ASCII (for :class:`TextHint`), else None."""
        text, _ = self.text()
        if text is None or not text.isascii():
            return None
        if self._lowered is None:
            self._lowered = text.lower()
        return self._lowered

    def python(self) -> ast.Module:
        """The module's ``ast`` (``pyast.parse``); raises what the parse raised, every time."""
        return self._tree("", lambda: parse_python(self._text_or_raise(), self.rel))

    def tree(self, grammar: str) -> ts.Tree:
        """The tree-sitter tree of the file in ``grammar``."""
        return self._tree(grammar, lambda: treesitter.parser(grammar).parse(self._bytes_or_raise()))

    def _tree(self, name: str, build: Callable[[], Any]) -> Any:
        found = self._trees.get(name)
        if found is None:
            try:
                found = build()
            except Exception as exc:
                self._trees[name] = exc
                raise
            self._trees[name] = found
            return found
        if isinstance(found, Exception):
            raise found
        return found

    def _text_or_raise(self) -> str:
        text, _ = self.text()
        if text is None:
            raise ValueError("parse of a file that could not be read")
        return text

    def _bytes_or_raise(self) -> bytes:
        self._text_or_raise()
        assert self._read is not None and self._read[0] is not None
        return self._read[0]


@dataclass(frozen=True)
class TextHint:
    """A kind's text prefilter: ``pattern.search(text)``, tried only on a file holding one of
    ``literals`` (substrings every match contains). With ``fold`` (a pattern that ignores case)
    they are lower case and looked for in the lower-cased text, shared by the kinds, when the text
    is ASCII; otherwise the pattern alone decides (``re`` folds U+0131, a dotless i, to ``i``)."""

    pattern: re.Pattern[str]
    literals: tuple[str, ...]
    fold: bool = False

    def search(self, source: SourceFile, text: str) -> re.Match[str] | None:
        haystack = source.lowered() if self.fold else text
        if haystack is not None and not any(lit in haystack for lit in self.literals):
            return None
        return self.pattern.search(text)


@dataclass(frozen=True)
class Visitor:
    """One kind's part of the pass, picklable (module-level functions, ``partial`` over options).

    ``visit(rel, source)`` is the file's record: plain JSON-able data, a pure function of the
    file's bytes, the kind's options and ``salt``. What a hostile file makes it raise
    (:data:`base.PER_FILE_ERRORS`) becomes ``on_problem(rel, problem)``, within the file's time
    budget for this kind (``extract.file_timeout_ms``).
    """

    kind: str
    version: int
    visit: Callable[[str, SourceFile], Any]
    on_problem: Callable[[str, dict[str, Any]], Any]
    salt: Any = None
    types: tuple[type, ...] = ()


@dataclass(frozen=True)
class KindPlan:
    """What one kind asks of the pass (``visitor`` over ``files``) and its cross-file step
    (``finish``: the records, in the order of ``files``, to the kind's document)."""

    ctx: ExtractContext
    visitor: Visitor
    files: Sequence[str]
    finish: Callable[[list[Any]], dict[str, Any]]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while one file's trees are built and read.

    A tree has no reference cycles (refcounting frees it), but building one allocates enough
    objects to set off full collections over everything alive, which doubled the time of a pass
    over the standard library. The previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class _FileWork:
    """One file through the visitors of the kinds that need it (sent to workers as is)."""

    root: str
    max_file_bytes: int
    budget_ms: int
    visitors: tuple[Visitor, ...]

    def __call__(self, job: tuple[str, tuple[int, ...]]) -> list[Any]:
        rel, kinds = job
        source = SourceFile(self.root, rel, self.max_file_bytes)
        records = []
        with gc_paused():
            try:
                for k in kinds:
                    visitor = self.visitors[k]
                    try:
                        with file_budget(rel, self.budget_ms):
                            records.append(visitor.visit(rel, source))
                    except PER_FILE_ERRORS as exc:
                        records.append(visitor.on_problem(rel, problem_for(rel, exc)))
            finally:
                # Freed before the collector is back: alive then, the whole tree would be
                # traversed by the first collection (2 s over Django's 2,800 modules).
                source.release()
        return records


def run_pass(plans: Sequence[KindPlan]) -> list[list[Any]]:
    """Each plan's per-file records, in the order of its files: cached ones looked up, the rest
    computed in one pass where each file is read and parsed once for all the kinds missing it.

    The plans share the repository, size limit, time budget and worker count (``run_extractors``
    builds them from one set of settings); those of the first are used.
    """
    if not plans:
        return []
    ctx = plans[0].ctx
    runs = [
        CachedRun(p.ctx, v.kind, v.version, p.files, salt=v.salt, types=v.types)
        for p in plans
        for v in (p.visitor,)
    ]
    results: list[list[Any]] = [[None] * len(p.files) for p in plans]
    wanted: dict[str, list[tuple[int, int]]] = {}
    for k, (plan, run) in enumerate(zip(plans, runs, strict=True)):
        for i, value in run.hits.items():
            results[k][i] = value
        for i in run.missing:
            wanted.setdefault(plan.files[i], []).append((k, i))
    order = sorted(wanted)
    work = _FileWork(str(ctx.root), ctx.max_file_bytes, ctx.file_timeout_ms, tuple(p.visitor for p in plans))
    jobs = [(rel, tuple(k for k, _ in wanted[rel])) for rel in order]
    for rel, records in zip(order, parallel_map(work, jobs, jobs=ctx.jobs), strict=True):
        for (k, i), record in zip(wanted[rel], records, strict=True):
            results[k][i] = record
            runs[k].store(i, record)
    for run in runs:
        run.close()
    return results


def extract_one(plan: KindPlan) -> dict[str, Any]:
    """One kind's document through the pass (``sentinel extract --kinds safety``)."""
    return plan.finish(run_pass([plan])[0])
