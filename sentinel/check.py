"""``sentinel check``: extract, then evaluate, in one process (what ``make policy-check`` runs).

The inputs are also written to disk, so ``conftest test -p <policies> --all-namespaces
.sentinel/inputs/*.json`` reaches the same verdicts with the real conftest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from extractors.run import run_extractors
from sentinel import baseline, library, results_file
from sentinel.config import Config, as_list
from sentinel.inputs import DEFAULT_OUT, write_documents
from sentinel.results_file import RunRecord
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


@dataclass(frozen=True)
class CheckRun:
    results: list[CheckResult]
    record: RunRecord


def check_run(config: Config, settings: CheckSettings | None = None) -> CheckRun:
    """Extract, write the inputs, evaluate; the results and the run record that vouches for them."""
    settings = settings or CheckSettings()
    extract_settings = config.section("extract")
    documents = run_extractors(settings.root, list(settings.kinds) or None, settings.base, extract_settings)
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
    results = run_tests([], options, documents=inputs)
    baseline_path = baseline_file(config, settings)
    if baseline_path is not None:
        results = baseline.apply(results, baseline.load(baseline_path), settings.root)
    record = RunRecord(
        revision=results_file.checked_out_revision(settings.root),
        policy_hash=results_file.policy_hash(find_policies(list(policy)), library.overlay(
            load_data(list(paths.default_data)), load_data(list(data)), overlay
        )),
        inputs={doc.path.as_posix(): doc.sha256 for doc in written.values()},
    )
    return CheckRun(results, record)


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
