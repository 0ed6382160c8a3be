"""``sentinel test``: evaluate inputs against policies with conftest's semantics.

For each input file and namespace: one evaluation of the whole package, then conftest's
bookkeeping: ``deny``/``violation`` (with ``_suffix``) are failures, ``warn`` warnings;
``exception`` rules turn a rule's results into one exception per matching entry; successes
are the rule definitions that produced nothing. Inputs that are lists (multi-document YAML)
are evaluated element by element under the same file name.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import json
import multiprocessing.util
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentinel import library, parsers
from sentinel.errors import ParseError, SentinelError, UsageError
from sentinel.runner.engine import Engine, PolicySource, RegorusEngine
from sentinel.runner.engines import make_engine
from sentinel.runner.loader import find_policies, load_data
from sentinel.runner.results import CheckResult, Location, Result
from sentinel.runner.sandbox import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S, Limits, Progress, run_guarded

if TYPE_CHECKING:
    from sentinel.runner.engines import AnyEngine
    from sentinel.runner.opa_engine import TraceSink

FAILURE_RULE = re.compile(r"^(deny|violation)(_[a-zA-Z0-9]+)*$")
WARNING_RULE = re.compile(r"^warn(_[a-zA-Z0-9]+)*$")
# Below this many inputs, or this many bytes of them, starting worker processes costs more than it
# saves (see worker_count).
PARALLEL_THRESHOLD = 200
PARALLEL_MIN_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class TestOptions:
    policy: tuple[str, ...] = ("policy",)
    data: tuple[str, ...] = ()
    namespace: tuple[str, ...] = ("main",)
    all_namespaces: bool = False
    combine: bool = False
    parser: str | None = None
    proto_file_dirs: tuple[str, ...] = ()
    ignore: str | None = None
    rego_v0: bool = False
    jobs: int = 0
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    engine: str = "regorus"
    trace: TraceSink | None = field(default=None, compare=False)
    timeout: float = DEFAULT_TIMEOUT_S
    memory_limit: int = DEFAULT_MEMORY_BYTES
    # Data under the data files (the shipped library's defaults, overridable) and over them
    # (conftest.yml's params and exceptions): see sentinel.library.overlay.
    default_data: tuple[str, ...] = ()
    data_config: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def limits(self) -> Limits:
        return Limits(timeout=self.timeout, memory=self.memory_limit)


@dataclass
class Input:
    """One parsed input: its display name and its document."""

    name: str
    document: Any
    # Documents given in memory (extractor output) need no parsing.
    parsed: bool = True


@dataclass
class _Job:
    name: str
    path: str | None = None
    document: Any = None
    parser: str | None = None
    max_bytes: int = DEFAULT_MAX_INPUT_BYTES
    proto_file_dirs: tuple[str, ...] = ()


@functools.cache
def rule_kind(name: str) -> str | None:
    if FAILURE_RULE.match(name):
        return "failure"
    if WARNING_RULE.match(name):
        return "warning"
    return None


@functools.cache
def strip_rule_prefix(name: str) -> str:
    """The name an ``exception`` entry uses: conftest's removeRulePrefix (plain deny/warn/violation
    are matched by ``""``)."""
    if name in ("deny", "violation", "warn"):
        return ""
    for prefix in ("violation_", "deny_", "warn_"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def select_namespaces(engine: Engine, patterns: tuple[str, ...], all_namespaces: bool) -> list[str]:
    """Namespaces to evaluate: all, or those matching the (glob) patterns.

    A pattern that matches no package is a UsageError (conftest passes with nothing evaluated).
    """
    available = engine.namespaces()
    if all_namespaces:
        return available
    return match_namespaces(patterns, available)


def match_namespaces(patterns: tuple[str, ...], available: list[str]) -> list[str]:
    """The namespaces matching each pattern; UsageError naming the packages that exist if one matches none."""
    selected: list[str] = []
    for pattern in patterns:
        matched = [ns for ns in available if fnmatch.fnmatchcase(ns, pattern)]
        if not matched:
            import difflib  # an error path: not imported at start-up

            close = difflib.get_close_matches(pattern, available, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            shown = ", ".join(available[:30])
            if len(available) > 30:
                shown += f", ... ({len(available)} in all)"
            raise UsageError(
                f"namespace {pattern!r} matches no policy package{hint} "
                f"(packages: {shown or 'none'}; --all-namespaces tests them all)"
            )
        selected.extend(matched)
    return list(dict.fromkeys(selected))


def build_engine(options: TestOptions) -> AnyEngine:
    policies: list[PolicySource] = find_policies(list(options.policy))
    data = library.overlay(
        load_data(list(options.default_data)), load_data(list(options.data)), options.data_config
    )
    return make_engine(
        options.engine, policies, data, rego_v0=options.rego_v0, trace=options.trace, limits=options.limits
    )


def _to_result(value: Any, query: str) -> Result | None:
    if isinstance(value, str):
        return Result(msg=value, metadata={"query": query})
    if isinstance(value, dict):
        msg = value.get("msg")
        if not isinstance(msg, str):
            raise SentinelError(f'{query}: a rule that returns an object must have a string "msg" field')
        loc = value.get("_loc")
        location = None
        if isinstance(loc, dict) and (loc.get("file") or loc.get("line") not in (None, "")):
            location = Location(file=str(loc.get("file") or ""), line=loc.get("line", ""))
        metadata = {k: v for k, v in value.items() if k not in ("msg", "_loc")}
        metadata["query"] = query
        return Result(msg=msg, loc=location, metadata=metadata)
    shown = json.dumps(value)[:80]
    raise SentinelError(f"{query}: a result must be a string or an object with a msg, not {shown}")


def file_info(name: str) -> dict[str, str]:
    """``data.conftest.file`` as conftest v0.71 writes it: the base name and the absolute folder of
    the path made absolute (cleaned, symlinks not resolved, like Go's filepath.Abs)."""
    absolute = os.path.abspath(name)
    return {"name": os.path.basename(absolute), "dir": os.path.dirname(absolute)}


def _rule_plan(
    engine: Engine, namespaces: tuple[str, ...]
) -> tuple[dict[str, Counter[str]], dict[str, list[str]]]:
    """Per namespace: how many definitions each deny/warn/violation rule has, and the rules to
    evaluate (those plus ``exception``). The same for every input, so kept on the engine."""
    plans: dict[tuple[str, ...], Any] = engine.__dict__.setdefault("_sentinel_rule_plans", {})
    plan = plans.get(namespaces)
    if plan is None:
        counts = {
            ns: Counter({rule: n for rule, n in engine.rule_counts(ns).items() if rule_kind(rule)})
            for ns in namespaces
        }
        wanted = {
            ns: [*sorted(counts[ns]), *(["exception"] if "exception" in engine.rule_counts(ns) else [])]
            for ns in namespaces
            if counts[ns]
        }
        plan = plans[namespaces] = (counts, wanted)
    return plan


def check_document(engine: Engine, name: str, document: Any, namespaces: list[str]) -> list[CheckResult]:
    """One input document (not a list of sub-documents) against each namespace."""
    counts, wanted = _rule_plan(engine, tuple(namespaces))
    file_data = {"conftest": {"file": file_info(name)}}
    try:
        values = engine.evaluate_rules(wanted, document, file_data) if wanted else {}
    except ParseError as exc:
        # The engine refused the input itself (a number or a depth it cannot hold): name the input.
        if exc.file is None:
            raise ParseError(exc.message, file=name) from None
        raise
    results = [_bookkeep(name, ns, counts[ns], values.get(ns, {})) for ns in namespaces]
    printed: dict[str, list[str]] = getattr(engine, "last_prints", {}) if wanted else {}
    for result in results:
        result.prints.extend(printed.get(result.namespace, []))
    return results


def _bookkeep(name: str, namespace: str, counts: Counter[str], values: dict[str, list[Any]]) -> CheckResult:
    """conftest's accounting of one namespace's rule values for one document."""
    result = CheckResult(filename=name, namespace=namespace)
    if not counts:
        return result
    exception_names: Counter[str] = Counter()
    for entry in values.get("exception", []):
        if isinstance(entry, list):
            exception_names.update(str(x) for x in entry)
    successes = 0
    for rule in sorted(counts):
        base = strip_rule_prefix(rule)
        if exception_names[base]:
            # conftest v0.71 gives exceptions a message and nothing else (no metadata, no query).
            message = f'data.{namespace}.exception[_][_] == "{base}"'
            result.exceptions.extend(Result(msg=message) for _ in range(exception_names[base]))
            continue
        query = f"data.{namespace}.{rule}"
        produced: list[Result] = []
        passed = 0
        for value in values.get(rule, ()):
            item = _to_result(value, query)
            if item is None:
                continue
            if item.msg:
                produced.append(item)
            else:
                passed += 1  # conftest counts a result with an empty message as passed
        if not produced:
            successes += passed or 1
            continue
        successes += passed
        target = result.failures if rule_kind(rule) == "failure" else result.warnings
        target.extend(produced)
    total_rules = sum(counts.values())
    accounted = len(result.failures) + len(result.warnings) + len(result.exceptions) + successes
    if accounted < total_rules:
        successes += total_rules - accounted
    result.successes = successes
    return result


def check_input(engine: Engine, name: str, document: Any, namespaces: list[str]) -> list[CheckResult]:
    """Top-level lists (multi-document YAML) are evaluated per element under one file name."""
    if not isinstance(document, list):
        return check_document(engine, name, document, namespaces)
    merged = [CheckResult(filename=name, namespace=ns) for ns in namespaces]
    for sub in document:
        for total, part in zip(merged, check_document(engine, name, sub, namespaces), strict=True):
            total.successes += part.successes
            total.failures.extend(part.failures)
            total.warnings.extend(part.warnings)
            total.exceptions.extend(part.exceptions)
            total.prints.extend(part.prints)
    return merged


def discover_inputs(paths: list[str], parser: str | None, ignore: str | None) -> list[str]:
    """Files to test: given files as they are; directories walked for files we can parse."""
    ignore_re = re.compile(ignore) if ignore else None
    found: list[str] = []
    for raw in paths:
        if raw == "":
            # conftest skips an empty argument (a shell variable that expanded to nothing).
            continue
        if raw == "-":
            found.append(raw)
            continue
        path = Path(raw)
        if not path.exists():
            raise ParseError("input file does not exist", file=raw)
        if not path.is_dir():
            # Named explicitly: read as given; the reader refuses FIFOs and devices without blocking.
            found.append(raw)
            continue
        root = os.path.realpath(path)
        for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                rel = os.path.join(dirpath, name)
                if ignore_re and ignore_re.search(rel):
                    continue
                if parser is None and not parsers.can_parse(rel):
                    continue
                _refuse_link_out(rel, root)
                parsers.check_regular(rel)
                found.append(rel)
    if not found:
        raise UsageError("no input files found")
    return found


def _refuse_link_out(path: str, root: str) -> None:
    """A symlink found by a directory walk must stay inside the walked folder: a committed link
    to ``/etc/passwd`` or ``~/.aws/credentials`` would otherwise become an input document."""
    if os.path.islink(path):
        target = os.path.realpath(path)
        if os.path.commonpath([target, root]) != root:
            raise ParseError("is a symlink to a file outside the input folder; refused", file=path)


def _parse(job: _Job) -> Any:
    if job.path is None or job.path == "-":
        document = job.document
    else:
        document = parsers.parse_file(job.path, job.parser, job.max_bytes, job.proto_file_dirs)
    if document is None:
        raise ParseError("input is empty (it parses to null, which no rule could check)", file=job.name)
    return document


def _check_job(engine: Engine, namespaces: list[str], job: _Job) -> list[CheckResult]:
    return check_input(engine, job.name, _parse(job), namespaces)


def _check_combined(engine: Engine, namespaces: list[str], jobs: list[_Job]) -> list[CheckResult]:
    return check_document(engine, "Combined", parsers.combine({j.name: _parse(j) for j in jobs}), namespaces)


def _run_regorus(
    engine: RegorusEngine, jobs: list[_Job], namespaces: list[str], options: TestOptions
) -> list[CheckResult]:
    """Evaluate in forked workers within the time and memory limits (see sandbox.py)."""

    def hook(progress: Progress) -> None:
        engine.on_rule = progress.step

    if options.combine:
        combined = run_guarded(
            [jobs],
            functools.partial(_check_combined, engine, namespaces),
            options.limits,
            describe=lambda _: "the combined input",
            setup=hook,
        )
        return [r for part in combined for r in part]
    outcome = run_guarded(
        jobs,
        functools.partial(_check_job, engine, namespaces),
        options.limits,
        describe=lambda job: f"input {job.name}",
        workers=worker_count(jobs, options.jobs),
        setup=hook,
    )
    return [r for part in outcome for r in part]


def worker_count(jobs: list[_Job], requested: int) -> int:
    """Evaluation workers: several only for many inputs (``--jobs`` then says how many) that are
    also big. Measured on 4,000 small files (1.6 MB, runner_bench): two workers used 6-50% more
    CPU than one and were not faster, the results being pickled back costing what the second
    core saved. Documents given in memory count as small."""
    if len(jobs) < PARALLEL_THRESHOLD:
        return 1
    if requested:
        return requested
    total = 0
    for job in jobs:
        if job.path is not None and job.path != "-":
            with contextlib.suppress(OSError):
                total += os.stat(job.path).st_size
        if total >= PARALLEL_MIN_BYTES:
            return os.cpu_count() or 1
    return 1


# Worker state lives in the worker process only (set by its initializer).
_worker_engine: AnyEngine | None = None
_worker_namespaces: list[str] = []


def _init_worker(options: TestOptions, namespaces: list[str]) -> None:
    global _worker_engine, _worker_namespaces
    _worker_engine = build_engine(options)
    _worker_namespaces = namespaces
    close = getattr(_worker_engine, "close", None)
    if close is not None:
        # A pool worker ends through os._exit: only multiprocessing's own finalizers run.
        multiprocessing.util.Finalize(_worker_engine, close, exitpriority=10)


def _run_job(job: _Job) -> list[CheckResult] | SentinelError:
    assert _worker_engine is not None
    try:
        return check_input(_worker_engine, job.name, _parse(job), _worker_namespaces)
    except SentinelError as exc:
        return exc


def run_tests(
    files: list[str],
    options: TestOptions,
    stdin_text: str | bytes | None = None,
    documents: list[Input] | None = None,
) -> list[CheckResult]:
    """Evaluate input files (and/or in-memory documents) and return conftest-shaped results.

    Raises SentinelError on anything that could not be parsed or evaluated: no partial green.
    """
    engine = build_engine(options)
    namespaces = select_namespaces(engine, options.namespace, options.all_namespaces)
    jobs: list[_Job] = []
    for path in files:
        if path == "-":
            text = stdin_text or ""
            if not text.strip():
                raise ParseError("standard input is empty; nothing to evaluate", file="-")
            document = parsers.parse_stdin(
                text, options.parser, options.max_input_bytes, options.proto_file_dirs
            )
            jobs.append(_Job(name="-", path="-", document=document))
        else:
            jobs.append(_Job(name=path, path=path, parser=options.parser, max_bytes=options.max_input_bytes,
                             proto_file_dirs=options.proto_file_dirs))
    for doc in documents or []:
        jobs.append(_Job(name=doc.name, document=doc.document))

    if isinstance(engine, RegorusEngine):
        return _run_regorus(engine, jobs, namespaces, options)
    if options.combine:
        combined = parsers.combine({job.name: _parse(job) for job in jobs})
        return check_document(engine, "Combined", combined, namespaces)

    workers = options.jobs or os.cpu_count() or 1
    if workers > 1 and len(jobs) >= PARALLEL_THRESHOLD:
        results = []
        chunk = max(8, len(jobs) // (workers * 4))
        from concurrent.futures import ProcessPoolExecutor  # the OPA engine only; costs ~5 ms to import

        with ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(options, namespaces)
        ) as pool:
            for outcome in pool.map(_run_job, jobs, chunksize=chunk):
                if isinstance(outcome, SentinelError):
                    raise outcome
                results.extend(outcome)
        return results

    results = []
    for job in jobs:
        results.extend(check_input(engine, job.name, _parse(job), namespaces))
    return results


def iter_failures(results: list[CheckResult]) -> Iterator[Result]:
    for r in results:
        yield from r.failures
