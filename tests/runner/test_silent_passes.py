"""What used to pass silently is an error: unusable rule shapes, network builtins, empty or
unrepresentable input, and data conflicts name every file involved."""

from __future__ import annotations

import pytest

from tests.runner.conftest import results_json


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ('deny if input.bad == "x"', "deny is a boolean rule"),
        ("deny contains 1 if true", "deny contains a number"),
        ('deny_x[k] := "m" if { some k in ["a"] }', "deny_x has a reference head"),
        ('warn := "one message"', "warn is a single value"),
        ("default violation := false", "default violation is not a collection"),
        ('deny(x) := "m" if x', "deny is a function"),
    ],
)
def test_rule_of_a_shape_conftest_ignores_is_an_error(write, run, rule: str, expected: str) -> None:
    write("policy/p.rego", f"package main\nimport rego.v1\n\n{rule}\n")
    write("in.json", '{"bad": "x"}')
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert f"policy/p.rego:4: {expected}" in result.output


@pytest.mark.parametrize("value", ["1", "true", '["a"]', "null"])
def test_rule_producing_a_non_message_is_an_error_at_its_line(write, run, value: str) -> None:
    write("policy/p.rego", f"package main\nimport rego.v1\n\ndeny contains x if {{ x := {value} }}\n")
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "policy/p.rego:4: data.main.deny produced" in result.output


def test_complete_rule_with_a_non_collection_value_is_an_error(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\n\ndeny := x if { x := {"msg": "m"} }\n')
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "policy/p.rego:4: data.main.deny is an object, not a set of messages" in result.output


def test_complete_rule_with_a_list_of_messages_still_works(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\n\ndeny := ["no"] if input.bad\n')
    write("in.json", '{"bad": true}')
    result = run("test", "-o", "json", "in.json")
    assert result.exit_code == 1
    assert results_json(result.output)[0]["failures"][0]["msg"] == "no"


@pytest.mark.parametrize(
    "call",
    [
        'http.send({"method": "get", "url": "http://127.0.0.1:1/"})',
        'net.lookup_ip_addr("example.com")',
        "opa.runtime()",
    ],
)
def test_network_builtins_fail_loudly(write, run, call: str) -> None:
    rule = f'deny contains "x" if {{\n  r := {call}\n  r\n}}'
    write("policy/p.rego", f"package main\nimport rego.v1\n\n{rule}\n")
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "policy/p.rego:5:" in result.output and "is not available" in result.output


def test_empty_stdin_is_an_error(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if input.bad\n')
    result = run("test", "-", input="")
    assert result.exit_code == 2
    assert "standard input is empty" in result.output


def test_input_file_that_parses_to_null_is_an_error(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if input.bad\n')
    write("in.yaml", "# only a comment\n")
    result = run("test", "in.yaml")
    assert result.exit_code == 2
    assert "in.yaml: input is empty" in result.output


def test_number_json_cannot_hold_is_an_error_naming_the_input(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "big" if input.n > 1\n')
    write("in.json", '{"n": 1e400}')
    result = run("test", "-o", "json", "in.json")
    assert result.exit_code == 2
    assert "in.json: the input holds a number JSON cannot represent" in result.output
    assert "Infinity" not in result.output


def test_integer_past_the_exact_range_is_an_error(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "big" if input.n == 1\n')
    write("in.json", '{"n": 123456789012345678901234567890}')
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "in.json: the input holds the integer 123456789012345678901234567890" in result.output


def test_integers_past_2_53_compare_exactly(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "same" if input.a == input.b\n')
    write("in.json", '{"a": 9007199254740993, "b": 9007199254740992, "id": "12345678901234567890"}')
    assert run("test", "in.json").exit_code == 0


def test_input_nested_past_the_engine_depth_names_the_input(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if input.bad\n')
    write("in.json", '{"a": ' + "[" * 200 + "]" * 200 + "}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "in.json: the input nests deeper than the engine's limit" in result.output


def test_data_conflict_inside_an_object_names_both_files(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    write("one.yaml", "limits:\n  max: 1\n")
    write("two.yaml", "limits:\n  max: 2\n")
    write("in.json", "{}")
    result = run("test", "-d", "one.yaml", "-d", "two.yaml", "in.json")
    assert result.exit_code == 2
    assert "two.yaml: conflicting data: data.limits.max is also set by one.yaml" in result.output
