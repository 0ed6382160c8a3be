"""``sentinel verify``: run the policies' ``test_`` rules, as ``conftest verify`` does.

Each policy file with tests yields one CheckResult per namespace: passing tests count as
successes, failing ones are failures whose message is the test's query (conftest's shape).
"""

from __future__ import annotations

import fnmatch

from sentinel.runner.evaluate import TestOptions, build_engine
from sentinel.runner.results import CheckResult, Location, Result


def run_verify(options: TestOptions, namespace_patterns: tuple[str, ...] = ()) -> list[CheckResult]:
    engine = build_engine(options, include_tests=True)
    grouped: dict[tuple[str, str], CheckResult] = {}
    for rule in engine.test_rules():
        if namespace_patterns and not any(fnmatch.fnmatchcase(rule.namespace, p) for p in namespace_patterns):
            continue
        passed, prints = engine.run_test(rule)
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
