"""``sentinel check``: extract, then evaluate, in one process (what ``make policy-check`` runs).

The inputs are also written to disk, so ``conftest test -p <policies> --all-namespaces
.sentinel/inputs/*.json`` reaches the same verdicts with the real conftest.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel import baseline, library, new_only, results_file, rule_metadata
from sentinel.config import Config, as_list, require_globs_match
from sentinel.errors import UsageError
from sentinel.extractors.cache import open_cache
from sentinel.extractors.run import run_extractors
from sentinel.extractors.selection import Selection, select
from sentinel.inputs import DEFAULT_OUT, WrittenDocument, write_documents
from sentinel.progress import Progress
from sentinel.results_file import RunRecord
from sentinel.rule_states import not_configured
from sentinel.runner.eval_cache import run_cached
from sentinel.runner.evaluate import Input, TestOptions, run_tests
from sentinel.runner.loader import find_policies, load_data
from sentinel.runner.results import CheckResult
from sentinel.runner.sandbox import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S
from sentinel.safe_write import Place

DEFAULT_POLICY = "policy-as-code/policies"
DEFAULT_DATA = "policy-as-code/data"


@dataclass(frozen=True)
class CheckSettings:
    root: Path = Path(".")
    base: str | None = None
    kinds: tuple[str, ...] = ()
    out: str | None = None
    policy: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    namespace: tuple[str, ...] = ()
    rego_v0: bool = False
    # policy and data above are the user's (command line, environment); conftest.yml's come from
    # the config. False: without the shipped rule library (--no-library).
    use_library: bool = True
    # False only when ``out`` was named by the user (command line, environment), never by conftest.yml
    confine_out: bool = True
    timeout: float = DEFAULT_TIMEOUT_S
    memory_limit: int = DEFAULT_MEMORY_BYTES
    # --baseline FILE (the user's); else conftest.yml's ``baseline``; else .sentinel-baseline.json
    # when it exists. False: evaluate without a baseline (``baseline create`` does).
    baseline: str | None = None
    use_baseline: bool = True
    # --new-only: failures already present at the merge base of ``base`` and HEAD do not block.
    new_only: bool = False


@dataclass(frozen=True)
class CheckRun:
    results: list[CheckResult]
    record: RunRecord

    @property
    def notices(self) -> tuple[str, ...]:
        return self.record.notices


def check_run(
    config: Config, settings: CheckSettings | None = None, progress: Progress | None = None
) -> CheckRun:
    """Extract, write the inputs, evaluate; the results and the run record that vouches for them.
    ``progress`` times the steps (per extractor kind when someone watches them)."""
    settings = settings or CheckSettings()
    progress = progress or Progress(sys.stderr)
    if settings.new_only and not settings.base:
        raise UsageError("--new-only needs --base REV: the revision whose failures are not new")
    extract_settings = config.section("extract")
    listing = select(settings.root)
    require_globs_match(config, listing.files)
    documents = _extract(settings, extract_settings, progress, listing)
    out_dir = Path(settings.out or extract_settings.get("out") or DEFAULT_OUT)
    place = Place(Path.cwd(), confine=settings.confine_out or not settings.out)
    written = write_documents(out_dir, documents, place)
    paths = library.resolve(
        settings.policy,
        as_list(config.flags.get("policy")),
        settings.data,
        as_list(config.flags.get("data")),
        settings.use_library and config.use_library,
        Path.cwd(),
    )
    # An explicit --data replaces the file's data (params, exceptions), as flags replace file values.
    overlay = None if settings.data else config.data_overlay() or None
    policy, data = paths.policy, paths.data
    namespace = settings.namespace or tuple(as_list(config.flags.get("namespace")))
    options = TestOptions(
        policy=policy,
        data=data,
        namespace=namespace or ("main",),
        all_namespaces=not namespace,
        rego_v0=settings.rego_v0,
        default_data=paths.default_data,
        data_config=overlay,
        timeout=settings.timeout,
        memory_limit=settings.memory_limit,
    )
    inputs = [Input(name=doc.path.as_posix(), document=documents[kind]) for kind, doc in written.items()]
    with progress.step("evaluate"):
        evaluated = run_cached(options, inputs, open_cache(settings.root, extract_settings))
        results = rule_metadata.enrich(evaluated, rule_metadata.load(policy))
    baseline_path = baseline_file(config, settings)
    if baseline_path is not None:
        results = baseline.apply(results, baseline.load(baseline_path), settings.root)
    effective = library.overlay(load_data(list(paths.default_data)), load_data(list(data)), overlay)
    notices = not_configured(policy, effective)
    if settings.new_only and settings.base:
        results, hidden, commit = _hide_existing(results, settings, settings.base, extract_settings, options,
                                                 written)
        notices = (*notices, new_only.hidden_notice(hidden, commit))
    record = RunRecord(
        revision=results_file.checked_out_revision(settings.root),
        policy_hash=results_file.policy_hash(find_policies(list(policy)), effective),
        inputs={doc.path.as_posix(): doc.sha256 for doc in written.values()},
        notices=notices,
    )
    return CheckRun(results, record)


def _extract(
    settings: CheckSettings, extract_settings: dict[str, Any], progress: Progress, listing: Selection
) -> dict[str, Any]:
    """All kinds in one call, timed per kind (and the shared source pass) when someone watches."""
    requested = list(settings.kinds) or None
    if not progress.per_step:
        with progress.step("extract"):
            return run_extractors(settings.root, requested, settings.base, extract_settings, listing=listing)
    return run_extractors(
        settings.root, requested, settings.base, extract_settings, listing=listing,
        step=lambda label: progress.step(f"extract {label}"),
    )


def _hide_existing(
    results: list[CheckResult],
    settings: CheckSettings,
    base: str,
    extract_settings: dict[str, Any],
    options: TestOptions,
    written: dict[str, WrittenDocument],
) -> tuple[list[CheckResult], int, str]:
    """Evaluate the base commit's tree with the same extractors, policies and configuration, and
    report the failures it already had as exceptions. Returns the results, the count hidden and
    the base commit."""
    commit = new_only.base_commit(settings.root, base)
    with tempfile.TemporaryDirectory(prefix="sentinel-base-") as folder:
        tree = Path(folder)
        new_only.export_tree(settings.root, commit, tree)
        documents = run_extractors(tree, list(settings.kinds) or None, None, extract_settings)
        names = {kind: doc.path.as_posix() for kind, doc in written.items()}
        inputs = [Input(name=names.get(kind, kind), document=doc) for kind, doc in documents.items()]
        existing = new_only.failure_fingerprints(run_tests([], options, documents=inputs), tree)
    hidden_results, hidden = new_only.hide_existing(results, existing, settings.root, commit)
    return hidden_results, hidden, commit


def baseline_file(config: Config, settings: CheckSettings) -> Path | None:
    """The findings baseline this run applies, or None. One that was named (flag or config) must
    exist; the default file is used only when present."""
    if not settings.use_baseline:
        return None
    if settings.baseline:
        return Path(settings.baseline)
    configured = config.flags.get("baseline")
    if configured is False:
        return None
    if isinstance(configured, str) and configured:
        return Path(configured)
    default = settings.root / baseline.DEFAULT_BASELINE
    return default if os.path.lexists(default) else None


def run_check(config: Config, settings: CheckSettings | None = None) -> list[CheckResult]:
    return check_run(config, settings).results
