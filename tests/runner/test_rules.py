"""conftest's rule conventions: deny/violation/warn with suffixes, objects, _loc, successes."""

from __future__ import annotations

import os

from tests.runner.conftest import results_json

POLICY = """
package main

import rego.v1

deny contains msg if {
    input.kind == "Deployment"
    not input.spec.replicas
    msg := "replicas must be set"
}

deny_privileged contains {"msg": "no privileged containers", "_loc": {"file": "deploy.yaml", "line": 7},
    "rule": "security.privileged", "severity": "high"} if {
    input.privileged
}

violation_labels contains {"msg": "labels missing"} if not input.labels

warn_latest contains "avoid the latest tag" if endswith(input.image, ":latest")

helper := 1

not_a_rule contains "ignored" if true
"""


def test_failures_warnings_and_successes_are_counted_per_rule(write, run) -> None:
    write("policy/main.rego", POLICY)
    write("input.json", '{"kind": "Deployment", "image": "app:latest", "labels": {"a": "b"}}')
    result = run("test", "--output", "json", "input.json")
    assert result.exit_code == 1
    [check] = results_json(result.output)
    assert check["filename"] == "input.json"
    assert check["namespace"] == "main"
    assert [f["msg"] for f in check["failures"]] == ["replicas must be set"]
    assert [w["msg"] for w in check["warnings"]] == ["avoid the latest tag"]
    # four deny/violation/warn rule definitions; two fired, two passed
    assert check["successes"] == 2


def test_object_results_keep_metadata_and_turn_loc_into_loc(write, run) -> None:
    write("policy/main.rego", POLICY)
    write("input.json", '{"privileged": true, "labels": {}, "image": "x:1"}')
    result = run("test", "-o", "json", "input.json")
    [check] = results_json(result.output)
    [failure] = [f for f in check["failures"] if f["msg"] == "no privileged containers"]
    assert failure["loc"] == {"file": "deploy.yaml", "line": 7}
    assert failure["metadata"]["rule"] == "security.privileged"
    assert failure["metadata"]["severity"] == "high"
    assert failure["metadata"]["query"] == "data.main.deny_privileged"
    assert "_loc" not in failure["metadata"] and "msg" not in failure["metadata"]


def test_violation_rules_are_failures(write, run) -> None:
    write("policy/main.rego", POLICY)
    write("input.json", '{"image": "x:1"}')
    result = run("test", "-o", "json", "input.json")
    [check] = results_json(result.output)
    assert [f["msg"] for f in check["failures"]] == ["labels missing"]
    assert result.exit_code == 1


def test_clean_input_exits_zero_with_conftest_summary(write, run) -> None:
    write("policy/main.rego", POLICY)
    write("input.json", '{"image": "x:1", "labels": {"a": "b"}}')
    result = run("test", "--no-color", "input.json")
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "4 tests, 4 passed, 0 warnings, 0 failures, 0 exceptions"


def test_two_definitions_of_one_rule_count_as_two_tests(write, run) -> None:
    write(
        "policy/p.rego",
        """
        package main
        import rego.v1
        deny contains "a" if input.a
        deny contains "b" if input.b
    """,
    )
    write("in.json", '{"a": true}')
    [check] = results_json(run("test", "-o", "json", "in.json").output)
    assert len(check["failures"]) == 1
    assert check["successes"] == 1


def test_object_result_without_msg_is_an_error(write, run) -> None:
    write(
        "policy/p.rego",
        """
        package main
        import rego.v1
        deny contains {"message": "wrong key"} if true
    """,
    )
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert '"msg"' in result.output


def test_fail_on_warn_and_no_fail(write, run) -> None:
    write(
        "policy/p.rego",
        """
        package main
        import rego.v1
        warn contains "careful" if true
    """,
    )
    write("in.json", "{}")
    assert run("test", "in.json").exit_code == 0
    assert run("test", "--fail-on-warn", "in.json").exit_code == 1
    write(
        "policy/d.rego",
        """
        package main
        import rego.v1
        deny contains "bad" if true
    """,
    )
    assert run("test", "in.json").exit_code == 1
    assert run("test", "--no-fail", "in.json").exit_code == 0


def test_rego_v0_syntax_needs_the_flag(write, run) -> None:
    write(
        "policy/p.rego",
        """
        package main
        deny[msg] {
            input.x > 1
            msg := "x too big"
        }
    """,
    )
    write("in.json", '{"x": 2}')
    v0 = run("test", "--rego-version", "v0", "-o", "json", "in.json")
    assert v0.exit_code == 1
    assert results_json(v0.output)[0]["failures"][0]["msg"] == "x too big"
    v1 = run("test", "in.json")
    assert v1.exit_code == 2
    assert "p.rego:2" in v1.output


def test_data_conftest_file_gives_name_and_dir(write, run) -> None:
    write(
        "policy/p.rego",
        """
        package main
        import rego.v1
        deny contains msg if {
            msg := sprintf("%s in %s", [data.conftest.file.name, data.conftest.file.dir])
        }
    """,
    )
    write("configs/a.json", "{}")
    result = run("test", "-o", "json", "configs/a.json")
    # conftest v0.71: the base name, and the folder made absolute (as Go's filepath.Abs).
    expected = f"a.json in {os.path.abspath('configs')}"
    assert results_json(result.output)[0]["failures"][0]["msg"] == expected


def test_quiet_prints_nothing_on_a_clean_run_and_everything_on_failure(write, run) -> None:
    write("policy/main.rego", POLICY)
    write("clean.json", '{"image": "x:1", "labels": {"a": "b"}}')
    write("bad.json", '{"image": "x:1"}')
    assert run("test", "--quiet", "clean.json").output == ""
    noisy = run("test", "--quiet", "--no-color", "bad.json")
    assert "FAIL - bad.json - main - labels missing" in noisy.output


def test_rules_spread_over_several_files_of_one_package_see_each_other(write, run) -> None:
    """A package split across files (helpers in one, rules in others) evaluates like one file."""
    write("policy/a_values.rego", """
        package main
        import rego.v1
        x := 1
    """)
    write("policy/b_rule.rego", """
        package main
        import rego.v1
        deny contains sprintf("node %v", [n]) if some n in nodes
    """)
    write("policy/c_helpers.rego", """
        package main
        import rego.v1
        nodes := {m | some m in input.n}
    """)
    write("in.json", '{"n": [1, 2]}')
    result = run("test", "-o", "json", "in.json")
    assert sorted(f["msg"] for f in results_json(result.output)[0]["failures"]) == ["node 1", "node 2"]
