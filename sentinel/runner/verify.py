"""``sentinel verify``: run the policies' ``test_`` rules, as ``conftest verify`` does.

Each policy file with tests yields one CheckResult per namespace: passing tests count as
successes, failing ones are failures whose message is the test's query (conftest's shape).
"""

from __future__ import annotations

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
    grouped: dict[tuple[str, str], CheckResult] = {}
    for rule, (passed, prints) in zip(rules, outcomes, strict=True):
        key = (rule.file, rule.namespace)
        result = grouped.setdefault(key, CheckResult(filename=rule.file, namespace=rule.namespace))
        query = f"data.{rule.namespace}.{rule.name}"
        if passed:
            result.successes += 1
            if prints:
                result.notes.append(
                    Result(
                        msg=query,
                        loc=Location(rule.file, rule.line),
                        metadata={"query": query},
                        outputs=prints,
                    )
                )
        else:
            result.failures.append(
                Result(
                    msg=query, loc=Location(rule.file, rule.line), metadata={"query": query}, outputs=prints
                )
            )
    return [grouped[k] for k in sorted(grouped)]
