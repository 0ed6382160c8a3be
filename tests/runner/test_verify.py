"""`sentinel verify`: runs test_ rules, conftest-style summary, namespaces, outputs."""

from __future__ import annotations

import json

POLICY = """
package main
import rego.v1
deny contains "no owner" if not input.owner
"""

TESTS = """
package main
import rego.v1
test_missing_owner_denied if { "no owner" in deny with input as {} }
test_owner_allowed if { count(deny) == 0 with input as {"owner": "x"} }
"""

FAILING = """
package other
import rego.v1
test_wrong if { 1 == 2 }
"""


def test_passing_tests_exit_zero(write, run) -> None:
    write("policy/p.rego", POLICY)
    write("policy/p_test.rego", TESTS)
    result = run("verify", "--no-color")
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1].startswith("2 tests, 2 passed")


def test_failing_test_exits_one_and_is_named(write, run) -> None:
    write("policy/p.rego", POLICY)
    write("policy/p_test.rego", TESTS)
    write("policy/o_test.rego", FAILING)
    result = run("verify", "--no-color")
    assert result.exit_code == 1
    assert "data.other.test_wrong" in result.output


def test_namespace_globs_filter_tests(write, run) -> None:
    write("policy/p.rego", POLICY)
    write("policy/p_test.rego", TESTS)
    write("policy/o_test.rego", FAILING)
    result = run("verify", "-n", "ma*", "-o", "json")
    assert result.exit_code == 0
    files = {c["filename"] for c in json.loads(result.output)}
    assert files == {"policy/p_test.rego"}


def test_files_named_test_are_evaluated_by_test(write, run) -> None:
    """As in OPA and conftest, the ``_test.rego`` suffix does not hide a policy from evaluation."""
    write("policy/cross_layer_without_integration_test.rego", POLICY)
    write("in.json", "{}")
    result = run("test", "-o", "json", "in.json")
    assert result.exit_code == 1
    assert json.loads(result.output)[0]["failures"][0]["msg"] == "no owner"


def test_a_broken_test_file_fails_test_too(write, run) -> None:
    write("policy/p.rego", POLICY)
    write("policy/broken_test.rego", "package main\n\ntest_x if {\n")
    write("in.json", '{"owner": "a"}')
    assert run("test", "in.json").exit_code == 2
    assert run("verify").exit_code == 2


def test_verify_runs_test_rules_in_any_file(write, run) -> None:
    write("policy/p.rego", POLICY + TESTS.split("import rego.v1", 1)[1])
    result = run("verify", "-p", "policy", "-o", "json")
    assert result.exit_code == 0
    results = json.loads(result.output)
    assert [(r["filename"], r["successes"]) for r in results] == [("policy/p.rego", 1)] * 2


def test_verify_reports_one_result_per_test_without_namespace(write, run) -> None:
    """conftest v0.71's verify shape: one block per test, namespace "", failures as bare messages."""
    write("policy/p.rego", POLICY)
    write("policy/p_test.rego", TESTS)
    write("policy/o_test.rego", FAILING)
    result = run("verify", "-p", "policy", "-o", "json")
    assert result.exit_code == 1
    results = json.loads(result.output)
    assert all(r["namespace"] == "" for r in results)
    assert all(r["successes"] + len(r.get("failures", [])) == 1 for r in results)
    failures = [f for r in results for f in r.get("failures", [])]
    assert failures and all(set(f) == {"msg"} for f in failures)


def test_no_tests_reports_zero_tests_as_conftest_does(write, run) -> None:
    write("policy/p.rego", POLICY)
    result = run("verify")
    assert result.exit_code == 0
    assert "0 tests, 0 passed" in result.stdout
    assert "no test_ rules" in result.stderr


def test_path_arguments_are_ignored_as_conftest_does(write, run) -> None:
    write("policy/p.rego", POLICY)
    write("policy/p_test.rego", TESTS)
    result = run("verify", "whatever.yaml", "more")
    assert result.exit_code == 0, result.output


def test_verify_outputs_tap_and_junit(write, run) -> None:
    write("policy/p.rego", POLICY)
    write("policy/p_test.rego", TESTS)
    write("policy/o_test.rego", FAILING)
    tap = run("verify", "-o", "tap")
    assert "not ok" in tap.output
    junit = run("verify", "-o", "junit")
    assert "<testsuite" in junit.output
    assert run("verify", "-o", "sarif").exit_code == 2
