"""``sentinel verify``: run the policies' ``test_`` rules, as ``conftest verify`` does.

Each test yields one CheckResult with namespace ``""``, as in conftest v0.71: a passing test is
one success, a failing one a failure whose message is the test's query.
"""

from __future__ import annotations

import fnmatch
from dataclasses import replace

from sentinel.runner.engine import RegorusEngine
from sentinel.runner.evaluate import TestOptions, build_engine, match_namespaces
from sentinel.runner.results import CheckResult, Location, Result
from sentinel.runner.sandbox import Progress, run_guarded


def run_verify(options: TestOptions, namespace_patterns: tuple[str, ...] = ()) -> list[CheckResult]:
    """A namespace pattern that matches no namespace with tests is a UsageError.

    With regorus the tests run in a forked worker within the time and memory limits.
    """
    engine = build_engine(options)
    rules = engine.test_rules()
    if namespace_patterns:
        wanted = set(match_namespaces(namespace_patterns, sorted({r.namespace for r in rules})))
        rules = [r for r in rules if r.namespace in wanted]
    if isinstance(engine, RegorusEngine):
        regorus_engine = engine

        def hook(progress: Progress) -> None:
            regorus_engine.on_rule = progress.step

        outcomes = run_guarded(
            rules, engine.run_test, options.limits, describe=lambda _: "", setup=hook
        )
    else:
        outcomes = [engine.run_test(rule) for rule in rules]
    results: list[CheckResult] = []
    for rule, (passed, prints) in zip(rules, outcomes, strict=True):
        # conftest v0.71: one result per test, with no namespace; the location stays for
        # --report (the JSON output leaves it out, as conftest's has none).
        result = CheckResult(filename=rule.file, namespace="")
        query = f"data.{rule.namespace}.{rule.name}"
        test = Result(
            msg=query, loc=Location(rule.file, rule.line), metadata={"query": query}, outputs=prints
        )
        if passed:
            result.successes = 1
            if prints:
                result.notes.append(test)
        else:
            result.failures.append(test)
        results.append(result)
    return results


def opa_report(options: TestOptions, explain: str, namespace_patterns: tuple[str, ...] = ()) -> str:
    """``verify --report``: OPA's verbose test report over the same policies and data."""
    from sentinel.runner.opa_engine import OpaEngine

    engine = build_engine(replace(options, engine="opa"))
    assert isinstance(engine, OpaEngine)
    run = None
    if namespace_patterns:
        # opa test --run matches data.<package>.<test>; one alternative per namespace glob.
        run = "|".join(rf"^data\.{_glob_regex(p)}\." for p in namespace_patterns)
    try:
        return engine.report(explain, run)
    finally:
        engine.close()


def _glob_regex(pattern: str) -> str:
    """fnmatch's translation without its anchors and flags: (?s:...)\\Z -> ..."""
    return fnmatch.translate(pattern).removeprefix("(?s:").removesuffix(")\\Z")
