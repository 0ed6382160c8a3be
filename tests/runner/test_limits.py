"""Engine crashes and runaway policies: exit 2 naming the policy, never a crash or a hang."""

from __future__ import annotations

import time

RECURSIVE = """
package main
import rego.v1
f(x) := y if { y := f(x) }
deny contains "x" if f(1)
"""

MUTUAL = """
package main
import rego.v1
f(x) := y if { y := g(x) }
g(x) := y if { y := f(x) }
deny contains "x" if f(1)
"""

HUGE = """
package main
import rego.v1
deny contains msg if {
  n := count([y | some y in numbers.range(1, 200000000)])
  msg := sprintf("%d", [n])
}
"""

ENDLESS = """
package main
import rego.v1
deny contains "x" if {
  some a in numbers.range(1, 3000)
  some b in numbers.range(1, 3000)
  some c in numbers.range(1, 3000)
  a + b + c == 1
}
"""


def test_recursive_function_is_rejected_before_evaluation(write, run) -> None:
    write("policy/p.rego", RECURSIVE)
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "policy/p.rego:3: recursion is not allowed" in result.output
    assert "data.main.f -> data.main.f" in result.output


def test_mutual_recursion_is_rejected_with_the_cycle(write, run) -> None:
    write("policy/p.rego", MUTUAL)
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "data.main.f -> data.main.g -> data.main.f" in result.output


def test_recursion_through_a_dynamic_reference_is_rejected(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if { some k; data.main[k] }\n')
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "data.main.deny -> data.main.deny" in result.output


def test_verify_rejects_recursion_too(write, run) -> None:
    write("policy/p.rego", RECURSIVE + "test_f if f(1)\n")
    result = run("verify")
    assert result.exit_code == 2
    assert "recursion is not allowed" in result.output


def test_local_variable_named_like_a_rule_is_not_recursion(write, run) -> None:
    write(
        "policy/p.rego",
        "package main\nimport rego.v1\nname := 1\n"
        'deny contains msg if { name := input.name; msg := sprintf("%s", [name]) }\n',
    )
    write("in.json", '{"name": "a"}')
    assert run("test", "in.json").exit_code == 1


def test_memory_hungry_policy_hits_the_memory_limit(write, run) -> None:
    write("policy/p.rego", HUGE)
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "policy/p.rego:3: evaluating data.main.deny (input in.json) went over the memory limit" in (
        result.output
    )


def test_endless_policy_hits_the_time_limit(write, run) -> None:
    write("policy/p.rego", ENDLESS)
    write("in.json", "{}")
    start = time.monotonic()
    result = run("test", "--timeout", "1", "in.json")
    assert time.monotonic() - start < 10
    assert result.exit_code == 2
    expected = "policy/p.rego:3: evaluating data.main.deny (input in.json) took longer than the time limit"
    assert expected in result.output


def test_time_limit_comes_from_the_environment(write, run, monkeypatch) -> None:
    write("policy/p.rego", ENDLESS)
    write("in.json", "{}")
    monkeypatch.setenv("SENTINEL_TIMEOUT", "0.5")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "time limit of 0.5 s" in result.output


def test_limits_come_from_conftest_yml(write, run) -> None:
    write("policy/p.rego", ENDLESS)
    write("in.json", "{}")
    write("conftest.yml", "timeout: 0.5\nmemory-limit: 1GiB\n")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "time limit of 0.5 s" in result.output


def test_verify_test_that_loops_hits_the_time_limit(write, run) -> None:
    write("policy/p.rego", ENDLESS + "test_loops if { count(deny) == 0 }\n")
    result = run("verify", "--timeout", "1")
    assert result.exit_code == 2
    assert "evaluating data.main.test_loops took longer than the time limit" in result.output


def test_policy_that_hangs_the_compiler_hits_the_time_limit(write, run) -> None:
    # regorus parses nested arrays in exponential time (tests/engine_gaps).
    write("policy/p.rego", "package main\nimport rego.v1\nx := " + "[" * 30 + "]" * 30 + "\n")
    write("in.json", "{}")
    result = run("test", "--timeout", "1", "in.json")
    assert result.exit_code == 2
    assert "policy/p.rego: compiling the policy took longer than the time limit of 1 s" in result.output


def test_policy_that_crashes_the_engine_is_an_error(write, run) -> None:
    # A long operator chain overflows regorus's stack (tests/engine_gaps).
    write("policy/p.rego", "package main\nimport rego.v1\nx := " + "+".join(["1"] * 100_000) + "\n")
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "the Rego engine crashed (signal SIGSEGV)" in result.output


def test_bad_memory_limit_is_a_usage_error(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    write("in.json", "{}")
    result = run("test", "--memory-limit", "lots", "in.json")
    assert result.exit_code == 2
    assert "not a size" in result.output


def test_limits_leave_a_clean_run_alone(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if input.bad\n')
    write("in.json", "{}")
    result = run("test", "--timeout", "5", "--memory-limit", "512MiB", "in.json")
    assert result.exit_code == 0


def test_check_takes_the_limits_from_conftest_yml(write, run) -> None:
    write("policy/p.rego", ENDLESS)
    write("conftest.yml", "timeout: 0.5\npolicy: [policy]\nlibrary: false\nextract:\n  kinds: [files]\n")
    start = time.monotonic()
    result = run("check")
    assert time.monotonic() - start < 20
    assert result.exit_code == 2
    assert "time limit of 0.5 s" in result.output


def test_check_takes_the_time_limit_flag(write, run) -> None:
    write("policy/p.rego", ENDLESS)
    result = run("check", "--no-library", "-p", "policy", "-k", "files", "--timeout", "0.5")
    assert result.exit_code == 2
    assert "time limit of 0.5 s" in result.output


def test_the_repository_config_cannot_turn_the_limits_off(write, run) -> None:
    write("policy/p.rego", "package main\nimport rego.v1\ndeny contains 1 if false\n")
    write("in.json", "{}")
    for setting in ("timeout: 0", 'memory-limit: "0"', "memory-limit: 0"):
        write("conftest.yml", setting + "\n")
        result = run("test", "in.json")
        assert result.exit_code == 2, setting
        assert "conftest.yml" in result.output, setting
