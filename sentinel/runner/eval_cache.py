"""``sentinel check``'s evaluation cache: a document's results are reused when nothing that decides
them changed.

One pack of the extraction cache (``sentinel.extractors.cache.FileCache``, same folder, budget,
size-limited JSON reads and pruning) per policy set. The pack's name is the SHA-256 of canonical
JSON of: this format, the engine and the version of its wheel, the hash of every ``.py`` file of
``sentinel/runner`` (the bookkeeping that turns rule values into results), each policy file's path
and SHA-256, the merged data, the Rego version, the namespace selection and the working folder
(``data.conftest.file`` is an absolute path). Within the pack, a document's entry is keyed by the
SHA-256 of its name and of its canonical JSON bytes.

The pack also keeps the inspection of the compiled policies (rules, tests, locations) that the
guarded probe of :class:`~sentinel.runner.engine.RegorusEngine` found: with it, the same policies
and data are compiled once, in this process, instead of twice (probe, then here).

Results are stored only after the whole evaluation succeeded (an error or a timeout raises before),
and never when a policy may be nondeterministic: :data:`NONDETERMINISTIC` is searched in the
policy text (comments and strings included: a false alarm only costs the cache). The clock is the
exception, because the shipped library reads it (``time.now_ns``, for expiring exceptions and
debt): each ``time.now_ns(`` call in code is rewritten to the extension ``_sntl_clock(`` (same
length), which returns one instant for the whole run and counts its calls, and a document is
stored only when evaluating it never read the clock (regorus evaluates every rule afresh per
evaluation; it keeps no value across inputs). A ``time.now_ns`` that is not a call (``with
time.now_ns as ...``, which regorus cannot aim at an extension) is allowed only inside a
``test_`` rule (never evaluated by ``check``); anywhere else, and in text the scanner does not
follow, no result is stored.

Trust: as for the extraction cache (docs/performance.md, "Hostile caches"), whoever can write the
cache folder can forge a pass; the folder is trusted like the repository it serves. Records are
JSON read through a closed decoder; a record of the wrong shape is a miss.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

from sentinel import library
from sentinel.extractors.cache import CorruptRecord, FileCache, canonical, code_fingerprint
from sentinel.runner import conftest_builtins
from sentinel.runner.engine import CLOCK, Inspection, PolicySource, RegorusEngine, TestRule
from sentinel.runner.evaluate import (
    Input,
    TestOptions,
    _check_job,
    _Job,
    match_namespaces,
    run_tests,
    select_namespaces,
    worker_count,
)
from sentinel.runner.loader import find_policies, load_data
from sentinel.runner.results import CheckResult, Location, Result
from sentinel.runner.sandbox import Progress, run_guarded

FORMAT = "eval-1"
_INSPECTION = "inspection"
# Builtins whose value is not a function of the policies, data and input (randomness, the network,
# the environment, certificates and tokens checked against the clock, files read at evaluation).
# ``time.now_ns`` is followed per document instead (rewrite_clock).
NONDETERMINISTIC = re.compile(
    r"rand\.|uuid\.|http\.send|net\.|opa\.runtime|crypto\.x509|io\.jwt|time\.now(?!_ns)|"
    + "|".join(conftest_builtins.NAMES)
)
_NOW = re.compile(r"(?<![\w.])time\.now_ns\b")
_CALL = re.compile(r"\s*\(")
_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
_CONFTEST_WORD = re.compile(r"(?<![\w.])(?:(?:deny|violation|warn)(?:_\w+)?|exception)\b")
_RULE_HEAD = re.compile(r"^[^\s#}\])]", re.MULTILINE)
_RUNNER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class _Key:
    namespace: str
    results: bool  # False: policies that may be nondeterministic; only the inspection is kept
    # True: some policy reads the clock; ``rewritten`` (the policies with the clock extension)
    # are what is compiled, and a document is kept only if its evaluation did not read it.
    clocked: bool = False
    rewritten: list[PolicySource] = field(default_factory=list)


class Clock:
    """``time.now_ns()`` for a whole run: one instant, and a count of the reads."""

    def __init__(self) -> None:
        self.now = time.time_ns()
        self.reads = 0

    def __call__(self) -> int:
        self.reads += 1
        return self.now


def rewrite_clock(text: str, test_only: bool = False) -> str | None:
    """``text`` with each ``time.now_ns(`` call in code (not in strings or comments) made a call
    of the clock extension; None when that would change what a rule evaluated by ``check`` means
    (a non-call use outside a ``test_`` rule, unless ``test_only``: see :func:`_test_only`) or
    the text is not followed to its end."""
    if CLOCK in text:
        return None
    if "time.now_ns" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    last = 0
    while i < n:
        char = text[i]
        if char == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif char == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            if i >= n:
                return None
            i += 1
        elif char == "`":
            end = text.find("`", i + 1)
            if end < 0:
                return None
            i = end + 1
        elif char == "t" and (match := _NOW.match(text, i)) and (i == 0 or not _word(text[i - 1])):
            if _CALL.match(text, match.end()):
                out.append(text[last:i])
                out.append(CLOCK)
                last = match.end()
            elif not (test_only or _in_test_rule(text, i)):
                return None
            i = match.end()
        else:
            i += 1
    out.append(text[last:])
    return "".join(out)


def _test_only(source: PolicySource, policies: list[PolicySource]) -> bool:
    """A file ``check`` never evaluates: no word in it names a conftest rule (deny, warn,
    violation and their suffixed forms, exception; ``rule.deny_x`` is a reference, not a head), and
    no other policy file mentions the last part of its package name (so nothing calls into it)."""
    package = _PACKAGE.search(source.text)
    if package is None or _CONFTEST_WORD.search(source.text):
        return False
    name = re.compile(rf"\b{re.escape(package.group(1).rsplit('.', 1)[-1])}\b")
    return not any(name.search(other.text) for other in policies if other is not source)


def _word(char: str) -> bool:
    return char.isalnum() or char in "_."


def _in_test_rule(text: str, index: int) -> bool:
    """Whether the rule around ``index`` is a ``test_`` rule: the last line before it that starts
    at column 0 (not a comment or a closing bracket) is its head (as ``opa fmt`` writes them)."""
    heads = [m.start() for m in _RULE_HEAD.finditer(text, 0, index)]
    return bool(heads) and text.startswith("test_", heads[-1])


def run_cached(options: TestOptions, documents: list[Input], cache: FileCache | None) -> list[CheckResult]:
    """``run_tests([], options, documents=documents)``, reusing cached results where they apply.

    Only the embedded engine without a trace is cached; anything else evaluates as before.
    """
    if cache is None or options.engine != "regorus" or options.trace is not None or options.combine:
        return run_tests([], options, documents=documents)
    policies = find_policies(list(options.policy))
    data = library.overlay(
        load_data(list(options.default_data)), load_data(list(options.data)), options.data_config
    )
    key = policy_key(policies, data, options)
    pack = cache.load(key.namespace)
    inspection = _decode_inspection(pack.get(_INSPECTION))
    doc_keys = [document_key(doc) for doc in documents] if key.results else []
    hits: dict[int, list[CheckResult]] = {}
    if inspection is not None and doc_keys:
        namespaces = _selected(inspection, options)
        for index, doc_key in enumerate(doc_keys):
            cached = _decode_results(pack.get(doc_key))
            # A document has one result per selected namespace, under its own name.
            if cached is not None and [(r.filename, r.namespace) for r in cached] == [
                (documents[index].name, ns) for ns in namespaces
            ]:
                hits[index] = cached
    missing = [doc for index, doc in enumerate(documents) if index not in hits]
    fresh: list[tuple[list[CheckResult], bool]] = []
    if missing or inspection is None:
        clock = Clock() if key.clocked else None
        sources = key.rewritten if key.clocked else policies
        engine = RegorusEngine(
            sources, data, rego_v0=options.rego_v0, limits=options.limits, inspection=inspection, clock=clock
        )
        fresh = _evaluate_each(engine, options, missing, clock)
        inspection = engine.inspection
    entries: dict[str, Any] = {_INSPECTION: _encode_inspection(inspection)}
    out: list[CheckResult] = []
    remaining = iter(fresh)
    for index in range(len(documents)):
        results = hits.get(index)
        keep = True
        if results is None:
            results, keep = next(remaining)
        if key.results and keep:
            entries[doc_keys[index]] = [_encode_result(r) for r in results]
        out.extend(results)
    if entries != pack:
        cache.save(key.namespace, entries)
        cache.prune()
    return out


def _evaluate_each(
    engine: RegorusEngine, options: TestOptions, documents: list[Input], clock: Clock | None
) -> list[tuple[list[CheckResult], bool]]:
    """Each document's results (one per selected namespace) and whether they may be kept (its
    evaluation did not read the clock), in the order given, in guarded workers (see
    ``evaluate._run_regorus``)."""
    namespaces = select_namespaces(engine, options.namespace, options.all_namespaces)
    if not documents:
        return []
    jobs = [_Job(name=doc.name, document=doc.document) for doc in documents]

    def hook(progress: Progress) -> None:
        engine.on_rule = progress.step

    return run_guarded(
        jobs,
        functools.partial(_check_timed, engine, namespaces, clock),
        options.limits,
        describe=lambda job: f"input {job.name}",
        workers=worker_count(jobs, options.jobs),
        setup=hook,
    )


def _check_timed(
    engine: RegorusEngine, namespaces: list[str], clock: Clock | None, job: _Job
) -> tuple[list[CheckResult], bool]:
    if clock is not None:
        clock.reads = 0
    results = _check_job(engine, namespaces, job)
    return results, clock is None or clock.reads == 0


def _selected(inspection: Inspection, options: TestOptions) -> list[str]:
    available = sorted(inspection.rules)
    return available if options.all_namespaces else match_namespaces(options.namespace, available)


def policy_key(policies: list[PolicySource], data: dict[str, Any], options: TestOptions) -> _Key:
    """The pack's name, and whether these policies' results may be kept at all."""
    try:
        engine_version = metadata.version("gordon-to-regorus")
    except metadata.PackageNotFoundError:
        engine_version = None
    head = {
        "format": FORMAT,
        "engine": ["regorus", engine_version],
        "runner": code_fingerprint(_RUNNER),
        "policies": [[p.path, hashlib.sha256(p.text.encode("utf-8", "surrogatepass")).hexdigest()]
                     for p in policies],
        "data": hashlib.sha256(canonical(data).encode("utf-8", "surrogatepass")).hexdigest(),
        "rego_v0": options.rego_v0,
        "namespace": [list(options.namespace), options.all_namespaces],
        "cwd": os.getcwd(),
    }
    namespace = hashlib.sha256(canonical(head).encode("utf-8", "surrogatepass")).hexdigest()
    rewritten: list[PolicySource] = []
    for source in policies:
        text = rewrite_clock(source.text)
        if text is None:
            text = rewrite_clock(source.text, test_only=_test_only(source, policies))
        if text is None or NONDETERMINISTIC.search(source.text):
            return _Key(namespace, False)
        rewritten.append(PolicySource(source.path, text))
    clocked = any(new.text != old.text for new, old in zip(rewritten, policies, strict=True))
    return _Key(namespace, True, clocked, rewritten)


def document_key(document: Input) -> str:
    """SHA-256 of the document's name and canonical JSON (sorted keys: the engine's objects are
    unordered)."""
    try:
        body = orjson.dumps(document.document, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        body = json.dumps(document.document, sort_keys=True, default=repr).encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(body).hexdigest()
    return hashlib.sha256(f"{document.name}\0{digest}".encode("utf-8", "surrogatepass")).hexdigest()


# ---- records: JSON written here, read back through a closed decoder --------------------------


def _encode_result(result: CheckResult) -> dict[str, Any]:
    return {
        "f": result.filename,
        "n": result.namespace,
        "s": result.successes,
        "r": [[_encode_item(i) for i in getattr(result, name)] for name in _LISTS],
        "p": list(result.prints),
    }


_LISTS = ("failures", "warnings", "exceptions", "skipped", "notes")


def _encode_item(item: Result) -> list[Any]:
    loc = None if item.loc is None else [item.loc.file, item.loc.line]
    return [item.msg, loc, item.metadata, item.outputs]


def _decode_results(raw: Any) -> list[CheckResult] | None:
    if not isinstance(raw, list):
        return None
    try:
        return [_decode_result(r) for r in raw]
    except CorruptRecord:
        return None


def _decode_result(raw: Any) -> CheckResult:
    if not isinstance(raw, dict) or set(raw) != {"f", "n", "s", "r", "p"}:
        raise CorruptRecord("result")
    lists = raw["r"]
    if not (isinstance(lists, list) and len(lists) == len(_LISTS) and all(type(x) is list for x in lists)):
        raise CorruptRecord("lists")
    if not (_is_str(raw["f"]) and _is_str(raw["n"]) and type(raw["s"]) is int):
        raise CorruptRecord("fields")
    prints = raw["p"]
    if not isinstance(prints, list) or not all(_is_str(p) for p in prints):
        raise CorruptRecord("prints")
    result = CheckResult(filename=raw["f"], namespace=raw["n"], successes=raw["s"], prints=list(prints))
    for name, items in zip(_LISTS, lists, strict=True):
        getattr(result, name).extend(_decode_item(i) for i in items)
    return result


def _decode_item(raw: Any) -> Result:
    if not isinstance(raw, list) or len(raw) != 4:
        raise CorruptRecord("item")
    msg, loc, meta, outputs = raw
    if not _is_str(msg) or not isinstance(meta, dict) or not isinstance(outputs, list):
        raise CorruptRecord("item fields")
    location = None
    if loc is not None:
        if not (isinstance(loc, list) and len(loc) == 2 and _is_str(loc[0]) and type(loc[1]) in (int, str)):
            raise CorruptRecord("loc")
        location = Location(file=loc[0], line=loc[1])
    return Result(msg=msg, loc=location, metadata=meta, outputs=outputs)


def _encode_inspection(inspection: Inspection) -> dict[str, Any]:
    return {
        "rules": {ns: dict(counts) for ns, counts in inspection.rules.items()},
        "tests": [[t.namespace, t.name, t.file, t.line] for t in inspection.tests],
        "locations": [[ns, name, file, line] for (ns, name), (file, line) in inspection.locations.items()],
    }


def _decode_inspection(raw: Any) -> Inspection | None:
    """The inspection kept in the pack, or None (then the guarded probe runs)."""
    if not isinstance(raw, dict) or set(raw) != {"rules", "tests", "locations"}:
        return None
    rules_raw, tests_raw, locations_raw = raw["rules"], raw["tests"], raw["locations"]
    if not (isinstance(rules_raw, dict) and isinstance(tests_raw, list) and isinstance(locations_raw, list)):
        return None
    rules: dict[str, Counter[str]] = {}
    for ns, counts in rules_raw.items():
        if not isinstance(counts, dict) or not all(type(n) is int for n in counts.values()):
            return None
        rules[ns] = Counter(counts)
    tests: list[TestRule] = []
    locations: dict[tuple[str, str], tuple[str, int]] = {}
    for rows, fill in ((tests_raw, tests.append), (locations_raw, None)):
        for row in rows:
            if not (isinstance(row, list) and len(row) == 4 and all(_is_str(x) for x in row[:3])
                    and type(row[3]) is int):
                return None
            if fill is not None:
                fill(TestRule(*row))
            else:
                locations[(row[0], row[1])] = (row[2], row[3])
    return Inspection(rules, tests, locations)


def _is_str(value: Any) -> bool:
    return type(value) is str
