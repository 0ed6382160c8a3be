"""conftest's exceptions: exception[rules] turns a rule's results into exceptions."""

from __future__ import annotations

from tests.runner.conftest import results_json

POLICY = """
package main

import rego.v1

deny_run_as_root contains "containers must not run as root" if input.user == "root"

deny_ports contains "port 22 is open" if 22 in input.ports

exception contains rules if {
    input.name == "legacy"
    rules := ["run_as_root"]
}
"""


def test_exception_replaces_the_failure(write, run) -> None:
    write("policy/p.rego", POLICY)
    write("legacy.json", '{"name": "legacy", "user": "root", "ports": [80]}')
    result = run("test", "-o", "json", "legacy.json")
    assert result.exit_code == 0
    [check] = results_json(result.output)
    assert "failures" not in check
    assert [e["msg"] for e in check["exceptions"]] == ['data.main.exception[_][_] == "run_as_root"']
    assert check["successes"] == 1


def test_exception_does_not_apply_to_other_inputs_or_rules(write, run) -> None:
    write("policy/p.rego", POLICY)
    write("other.json", '{"name": "other", "user": "root", "ports": [22]}')
    result = run("test", "-o", "json", "other.json")
    [check] = results_json(result.output)
    assert sorted(f["msg"] for f in check["failures"]) == [
        "containers must not run as root",
        "port 22 is open",
    ]
    assert "exceptions" not in check


def test_suppress_exceptions_hides_them_but_still_counts_them(write, run) -> None:
    write("policy/p.rego", POLICY)
    write("legacy.json", '{"name": "legacy", "user": "root", "ports": [80]}')
    shown = run("test", "--no-color", "legacy.json")
    assert "EXCP - legacy.json - main - " in shown.output
    result = run("test", "--no-color", "--suppress-exceptions", "legacy.json")
    assert result.exit_code == 0
    assert "EXCP" not in result.output
    assert result.output.strip().splitlines()[-1].endswith("1 exception")
