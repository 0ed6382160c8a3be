"""Every rule of the library is evaluated by `sentinel check`, whatever its file is called.

``testing/cross_layer_without_integration_test.rego`` was never evaluated: its name ends in
``_test.rego`` and the loader took such files for unit tests (OPA and conftest go by the
``test_`` rule prefix instead).
"""

from __future__ import annotations

import re
from pathlib import Path

from sentinel.check import DEFAULT_DATA, DEFAULT_POLICY
from sentinel.runner.evaluate import Input, run_tests
from sentinel.runner.evaluate import TestOptions as RunOptions

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)


RULE = re.compile(r"^((?:deny|violation|warn)\w*)\s+contains\b")


def metadata_rules() -> dict[tuple[str, str], str]:
    """(package, rule) -> file, for every deny/warn/violation rule with a METADATA block."""
    out: dict[tuple[str, str], str] = {}
    for path in sorted((ROOT / DEFAULT_POLICY).rglob("*.rego")):
        text = path.read_text(encoding="utf-8")
        package = PACKAGE.search(text)
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if package is None or line.strip() != "# METADATA":
                continue
            head = next((ln for ln in lines[i + 1 :] if not ln.startswith("#")), "")
            rule = RULE.match(head)
            if rule:
                out[(package.group(1), rule.group(1))] = path.relative_to(ROOT / DEFAULT_POLICY).as_posix()
    return out


def test_every_rule_with_metadata_is_evaluated_by_check() -> None:
    options = RunOptions(
        policy=(str(ROOT / DEFAULT_POLICY),), data=(str(ROOT / DEFAULT_DATA),), all_namespaces=True
    )
    results = run_tests([], options, documents=[Input(name="facts.json", document={"kind": "none"})])
    successes = {r.namespace: r.successes for r in results}
    wanted = metadata_rules()
    per_package: dict[str, int] = {}
    for package, _ in wanted:
        per_package[package] = per_package.get(package, 0) + 1
    missing = {pkg: n for pkg, n in per_package.items() if successes.get(pkg, 0) < n}
    assert not missing


def test_the_cross_layer_rule_is_among_them() -> None:
    assert "testing/cross_layer_without_integration_test.rego" in set(metadata_rules().values())
