"""The compiled program: a content-addressed artifact, thread-bound VMs, limits, hostile policies."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import pytest

from sentinel.errors import PolicyError
from sentinel.runtime.engine import UNDEFINED, CompiledPolicy, EvaluationError, ProgramCache

POLICY = """package authz
import rego.v1

default allow := false

allow if input.user in data.admins

deny contains sprintf("%s may not %s", [input.user, input.action]) if not allow
"""
ENTRYPOINTS = ["data.authz.allow", "data.authz.deny"]


def _compile(source: str = POLICY, entrypoints: list[str] | None = None, **kwargs: Any) -> CompiledPolicy:
    return CompiledPolicy.compile(
        [("authz.rego", source)], {"admins": ["root"]}, entrypoints or ENTRYPOINTS, **kwargs
    )


def test_the_digest_is_the_sha256_of_the_program_bytes() -> None:
    program = _compile()
    assert program.digest == hashlib.sha256(program.program_bytes).hexdigest()


def test_compiling_the_same_sources_twice_gives_the_same_bytes() -> None:
    assert _compile().program_bytes == _compile().program_bytes


def test_data_is_not_part_of_the_program() -> None:
    other = CompiledPolicy.compile([("authz.rego", POLICY)], {"admins": ["someone"]}, ENTRYPOINTS)
    assert other.digest == _compile().digest
    assert other.evaluate("data.authz.allow", {"user": "someone"}) is True


def test_an_entry_point_evaluates_against_input_and_data() -> None:
    program = _compile()
    assert program.evaluate("data.authz.allow", {"user": "root"}) is True
    assert program.evaluate("data.authz.deny", {"user": "eve", "action": "read"}) == ["eve may not read"]


def test_an_undefined_rule_evaluates_to_undefined() -> None:
    program = _compile("package authz\nimport rego.v1\nallow if input.ok\n", ["data.authz.allow"])
    assert program.evaluate("data.authz.allow", {}) is UNDEFINED


def test_a_path_that_is_not_an_entry_point_is_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError, match="not an entry point"):
        _compile().evaluate("data.authz.other", {})


def test_a_required_entry_point_the_policies_do_not_define_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match=r"define no rule data\.authz\.missing"):
        _compile(entrypoints=["data.authz.missing"])


def test_optional_entry_points_are_compiled_only_when_defined() -> None:
    program = CompiledPolicy.compile(
        [("authz.rego", POLICY)], {}, (), optional_entrypoints=["data.authz.deny", "data.authz.warn"]
    )
    assert program.entrypoints == ("data.authz.deny",)


def test_a_syntax_error_names_the_file_and_line() -> None:
    with pytest.raises(PolicyError) as caught:
        _compile("package authz\nimport rego.v1\nallow if {\n", ["data.authz.allow"])
    assert caught.value.file == "authz.rego"


def test_a_recursive_policy_is_refused_instead_of_crashing_the_process() -> None:
    recursive = "package authz\nimport rego.v1\nf(x) := y if { y := f(x) }\nallow if f(1)\n"
    with pytest.raises(PolicyError, match="recurs"):
        _compile(recursive, ["data.authz.allow"])


def test_a_loop_past_the_instruction_limit_is_an_evaluation_error() -> None:
    looping = "package authz\nimport rego.v1\nn := count([i | some i in numbers.range(1, 100000)])\n"
    program = _compile(looping, ["data.authz.n"])
    with pytest.raises(EvaluationError, match="limit of 25000 instructions") as caught:
        program.evaluate("data.authz.n", {})
    assert caught.value.kind == "instruction_limit"


def test_the_program_still_evaluates_after_an_error() -> None:
    source = "package authz\nimport rego.v1\nn := count([i | some i in numbers.range(1, input.n)])\n"
    program = _compile(source, ["data.authz.n"])
    with pytest.raises(EvaluationError):
        program.evaluate("data.authz.n", {"n": 100_000})
    assert program.evaluate("data.authz.n", {"n": 10}) == 10


def test_each_thread_evaluates_with_its_own_vm() -> None:
    program = _compile()
    results: list[Any] = []

    def work(user: str) -> None:
        results.append(program.evaluate("data.authz.allow", {"user": user}))

    threads = [threading.Thread(target=work, args=(user,)) for user in ("root", "eve", "root")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True, True]


def test_a_cache_compiles_the_same_sources_once() -> None:
    cache = ProgramCache()
    first = _compile(cache=cache)
    second = _compile(cache=cache, limits=None)
    assert len(cache.entries) == 1
    assert first.digest == second.digest


def test_input_that_is_not_json_is_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError) as caught:
        _compile().evaluate("data.authz.allow", {"x": float("nan")})
    assert caught.value.kind == "input"


def test_the_cache_holds_at_most_its_capacity() -> None:
    cache = ProgramCache(capacity=2)
    for n in range(4):
        source = f"package authz\nimport rego.v1\nallow if input.n == {n}\n"
        program = _compile(source, ["data.authz.allow"], cache=cache, limits=None)
        assert program.evaluate("data.authz.allow", {"n": n}) is True
    assert len(cache.entries) == 2


def test_an_integer_the_engine_would_round_is_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError) as caught:
        _compile().evaluate("data.authz.allow", {"user": 2**70})
    assert caught.value.kind == "input"
