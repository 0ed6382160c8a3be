"""Masking rules (OPA's ``erased``/``masked``) on decision-log records."""

from __future__ import annotations

import copy

import pytest

from sentinel.errors import UsageError
from sentinel.runtime.logs.mask import apply_rules, parse_cli_rule, parse_rule

RECORD = {"decision_id": "d", "input": {"user": {"password": "p", "name": "n"}, "a/b": 1}, "result": True}


def test_a_pointer_erases_the_value_and_is_listed_in_erased() -> None:
    out = apply_rules(RECORD, [parse_rule("/input/user/password")])
    assert out["input"]["user"] == {"name": "n"}
    assert out["erased"] == ["/input/user/password"]


def test_an_upsert_replaces_the_value_and_is_listed_in_masked() -> None:
    out = apply_rules(RECORD, [parse_rule({"op": "upsert", "path": "/input/user/name", "value": "***"})])
    assert out["input"]["user"] == {"password": "p", "name": "***"}
    assert out["masked"] == ["/input/user/name"]


def test_an_upsert_adds_a_missing_key_under_an_existing_parent() -> None:
    out = apply_rules(RECORD, [parse_rule({"op": "upsert", "path": "/input/user/tag", "value": 1})])
    assert out["input"]["user"]["tag"] == 1


def test_a_rule_whose_target_does_not_exist_is_a_no_op_and_not_listed() -> None:
    out = apply_rules(RECORD, [parse_rule("/input/nobody/password")])
    assert out == RECORD


def test_the_whole_input_can_be_erased() -> None:
    out = apply_rules(RECORD, [parse_rule("/input")])
    assert "input" not in out
    assert out["erased"] == ["/input"]


def test_escaped_pointer_tokens_name_keys_with_slashes() -> None:
    out = apply_rules(RECORD, [parse_rule("/input/a~1b")])
    assert "a/b" not in out["input"]


def test_masking_never_mutates_the_original_record() -> None:
    before = copy.deepcopy(RECORD)
    apply_rules(RECORD, [parse_rule("/input/user/password"), parse_rule("/result")])
    assert before == RECORD


@pytest.mark.parametrize("pointer", ["/labels/id", "input/user", "/decision_id"])
def test_only_pointers_under_input_and_result_are_rules(pointer: str) -> None:
    with pytest.raises(UsageError):
        parse_rule(pointer)


def test_the_cli_form_takes_a_pointer_or_a_json_object() -> None:
    assert parse_cli_rule("/input/x").op == "remove"
    assert parse_cli_rule('{"op": "upsert", "path": "/input/x", "value": 0}').op == "upsert"
    with pytest.raises(UsageError):
        parse_cli_rule('{"op": "upsert", "path": "/input/x"}')
