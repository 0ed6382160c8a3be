"""``sentinel check``: extract, then evaluate, in one process (what ``make policy-check`` runs).

The inputs are also written to disk, so ``conftest test -p <policies> --all-namespaces
.sentinel/inputs/*.json`` reaches the same verdicts with the real conftest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractors.run import run_extractors
from sentinel.config import Config, as_list
from sentinel.inputs import DEFAULT_OUT, write_documents
from sentinel.runner.evaluate import Input, TestOptions, run_tests
from sentinel.runner.results import CheckResult

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


def run_check(config: Config, settings: CheckSettings | None = None) -> list[CheckResult]:
    settings = settings or CheckSettings()
    extract_settings = config.section("extract")
    documents = run_extractors(settings.root, list(settings.kinds) or None, settings.base, extract_settings)
    out_dir = Path(settings.out or extract_settings.get("out") or DEFAULT_OUT)
    written = write_documents(out_dir, documents)
    policy = settings.policy or tuple(as_list(config.flags.get("policy"))) or (DEFAULT_POLICY,)
    data = settings.data or tuple(as_list(config.flags.get("data")))
    if not data and Path(DEFAULT_DATA).is_dir():
        data = (DEFAULT_DATA,)
    namespace = settings.namespace or tuple(as_list(config.flags.get("namespace")))
    options = TestOptions(
        policy=policy,
        data=data,
        namespace=namespace or ("main",),
        all_namespaces=not namespace,
        rego_v0=settings.rego_v0,
    )
    inputs = [Input(name=path.as_posix(), document=documents[kind]) for kind, path in written.items()]
    return run_tests([], options, documents=inputs)
