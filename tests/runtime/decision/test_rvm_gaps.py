"""Where regorus 0.13's compiled program (RVM) and its interpreter (Engine) disagree.

Minimal reproducers, each asserting the difference is still there: when one fails after an
upgrade, the engine changed; update docs/runtime.md ("Compiled program") and the mitigation named
in the test. OPA agrees with the interpreter on every case here except where noted.
"""

from __future__ import annotations

import json

import pytest
import regorus

from sentinel.errors import PolicyError
from sentinel.runtime.decision import Decider, DecisionRequest


def _rvm(source: str, rule: str, input_json: str = "{}") -> str:
    program = regorus.Program.compile_from_modules("{}", [("p.rego", source)], [rule])
    vm = regorus.Rvm()
    vm.load_program(program)
    vm.set_input_json(input_json)
    return json.loads(vm.execute_entry_point(rule))  # type: ignore[no-any-return]


def _interpreter(source: str, rule: str, input_json: str = "{}") -> object:
    engine = regorus.Engine()
    engine.add_policy("p.rego", source)
    engine.set_input_json(input_json)
    return json.loads(engine.eval_rule_as_json(rule))


def test_conflicting_values_of_a_complete_rule_are_not_an_error_in_the_rvm() -> None:
    """OPA and the interpreter fail (eval_conflict_error); the RVM drops the rule silently.
    No mitigation in the decider: a decision policy must not define a rule twice with different
    values (``opa check --strict`` and Regal catch it before a bundle is built)."""
    source = (
        "package p\nimport rego.v1\nx := input.a if true\nx := input.b if true\n"
        'deny contains "x is 1" if x == 1\n'
    )
    two_values = '{"a": 1, "b": 2}'
    assert _rvm(source, "data.p.deny", two_values) == []
    with pytest.raises(RuntimeError, match=r"multiple|conflict"):
        _interpreter(source, "data.p.deny", two_values)


def test_an_undefined_set_element_becomes_the_string_undefined_in_the_rvm() -> None:
    """The interpreter (and OPA) add nothing; the RVM adds "<undefined>". Mitigation: the decider
    treats "<undefined>" in deny or warn as a malformed value, so the request is denied."""
    source = "package p\nimport rego.v1\ndeny contains input.missing if true\n"
    assert _rvm(source, "data.p.deny") == ["<undefined>"]
    assert _interpreter(source, "data.p.deny") == []


def test_the_decider_denies_when_the_rvm_puts_undefined_in_deny() -> None:
    decider = Decider.from_modules(
        [
            (
                "d.rego",
                "package sentinel.decision\nimport rego.v1\nwarn contains input.context.missing if true\n"
                'deny contains "never" if false\n',
            )
        ],
        {},
        revision="r",
        constitution_hash="h",
    )
    decision = decider.evaluate(DecisionRequest(tenant="t", subject="s", action="a", resource="r"))
    assert decision.decision == "deny"
    assert decision.reasons[0].rule == "sentinel.runtime.malformed_reason"


def test_an_undefined_rule_and_the_string_undefined_read_the_same() -> None:
    """Both engines' Python APIs return the JSON string "<undefined>" for an undefined rule, so a
    rule whose value is that string reads as undefined (``sentinel eval`` prints no result)."""
    source = 'package p\nimport rego.v1\nx := "<undefined>"\n'
    assert _rvm(source, "data.p.x") == "<undefined>"
    assert _interpreter(source, "data.p.x") == "<undefined>"


def test_the_rvm_stops_after_25000_instructions_where_the_interpreter_continues() -> None:
    """Not configurable from Python. A loop over 5,000 input items is past it: the decider denies
    (instruction_limit); requests are capped at 64 KiB of context, well inside it for typical rules."""
    source = "package p\nimport rego.v1\nn := count([i | some i in input.items; i >= 0])\n"
    items = json.dumps({"items": list(range(5000))})
    with pytest.raises(RuntimeError, match="instruction limit of 25000"):
        _rvm(source, "data.p.n", items)
    assert _interpreter(source, "data.p.n", items) == 5000


def test_print_is_not_compiled_by_the_rvm() -> None:
    source = 'package p\nimport rego.v1\nallow if print("x")\n'
    with pytest.raises(RuntimeError, match="Missing builtin function: print"):
        regorus.Program.compile_from_modules("{}", [("p.rego", source)], ["data.p.allow"])
    assert _interpreter(source, "data.p.allow") is True


def test_a_failing_builtin_is_undefined_in_the_rvm_and_an_error_in_the_interpreter() -> None:
    """The RVM behaves as OPA does by default (a builtin error makes the expression undefined); the
    interpreter as OPA with --strict-builtin-errors. Decisions follow OPA's default."""
    source = (
        'package p\nimport rego.v1\ndeny contains "bad version" if semver.compare(input.v, "1.0.0") < 0\n'
    )
    assert _rvm(source, "data.p.deny", '{"v": "not-a-version"}') == []
    with pytest.raises(RuntimeError, match="invalid semver"):
        _interpreter(source, "data.p.deny", '{"v": "not-a-version"}')


def test_an_object_comprehension_with_a_repeated_key_is_not_an_error_in_the_rvm() -> None:
    """OPA and the interpreter fail (a key generated twice with different values)."""
    source = (
        'package p\nimport rego.v1\ndeny contains "x" if count({k: v | some [k, v] in input.pairs}) == 1\n'
    )
    pairs = '{"pairs": [[1, 2], [1, 3]]}'
    assert _rvm(source, "data.p.deny", pairs) == ["x"]
    with pytest.raises(RuntimeError, match="multiple times"):
        _interpreter(source, "data.p.deny", pairs)


def test_a_decision_policy_whose_deny_calls_print_does_not_load() -> None:
    source = 'package sentinel.decision\nimport rego.v1\ndeny contains "x" if print("debug")\n'
    with pytest.raises(PolicyError, match="print"):
        Decider.from_modules([("d.rego", source)], {}, revision="r", constitution_hash="h")
