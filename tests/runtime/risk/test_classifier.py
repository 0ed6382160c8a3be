"""The Python API around the table: levels, request contexts, and failing closed when the policy fails."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from sentinel.errors import PolicyError
from sentinel.runtime.engine import CompiledPolicy
from sentinel.runtime.risk import RiskClassifier, RiskLevel, RiskResult, classify, default_classifier
from sentinel.runtime.risk.classifier import RESULT_RULE, library_risk_dir, policy_modules
from tests.runtime.risk.domain import valid_combinations


def test_levels_are_ordered_from_none_to_critical() -> None:
    assert sorted(RiskLevel, reverse=True) == [
        RiskLevel.CRITICAL,
        RiskLevel.HIGH,
        RiskLevel.MEDIUM,
        RiskLevel.LOW,
        RiskLevel.NONE,
    ]
    assert RiskLevel.NONE < RiskLevel.LOW < RiskLevel.MEDIUM < RiskLevel.HIGH < RiskLevel.CRITICAL


def test_levels_do_not_compare_with_strings() -> None:
    assert RiskLevel.HIGH != "high"
    with pytest.raises(TypeError):
        _ = RiskLevel.HIGH < "medium"


def test_result_serializes_in_the_policy_shape() -> None:
    result = classify("question", "high", "execute", [])
    assert result.to_dict() == {
        "level": "high",
        "row": "R3-execute-high",
        "reasons": ["R3-execute-high: action execute with confidence high"],
    }


def test_module_level_classify_uses_one_shared_classifier() -> None:
    assert default_classifier() is default_classifier()
    assert classify("question", "low", "skip") == default_classifier().classify("question", "low", "skip")


def test_session_tags_may_be_any_collection_of_strings(classifier: RiskClassifier) -> None:
    expected = classifier.classify("question", "high", "log_only", ["critical_session"])
    assert classifier.classify("question", "high", "log_only", ("critical_session",)) == expected
    assert classifier.classify("question", "high", "log_only", frozenset({"critical_session"})) == expected
    assert classifier.classify("question", "high", "log_only", iter(["critical_session"])) == expected


def test_context_without_risk_gives_none(classifier: RiskClassifier) -> None:
    assert classifier.classify_request_context({"ip": "10.0.0.1"}) is None
    assert classifier.classify_request_context({"risk": None}) is None


def test_context_risk_is_classified(classifier: RiskClassifier) -> None:
    context = {
        "risk": {"prompt_type": "question", "confidence": "low", "action": "execute", "session_tags": []}
    }
    result = classifier.classify_request_context(context)
    assert result is not None
    assert (result.level, result.row) == (RiskLevel.CRITICAL, "R1-execute-below-high")


def test_other_keys_in_context_risk_cannot_change_the_answer(classifier: RiskClassifier) -> None:
    risk = {"prompt_type": "question", "confidence": "low", "action": "execute"}
    forged = {**risk, "level": "none", "row": "R9-log-only", "result": {"level": "none"}}
    assert classifier.classify_request_context({"risk": forged}) == classifier.classify_request_context(
        {"risk": risk}
    )


def test_context_risk_that_is_not_an_object_is_critical(classifier: RiskClassifier) -> None:
    for risk in ("high", 3, ["execute"], True):
        result = classifier.classify_request_context({"risk": risk})
        assert result is not None
        assert (result.level, result.row) == (RiskLevel.CRITICAL, "R0-invalid-input")


def test_context_risk_with_nested_values_is_critical_without_echoing_them(classifier: RiskClassifier) -> None:
    private = "value-that-must-never-be-echoed"
    result = classifier.classify_request_context(
        {
            "risk": {
                "prompt_type": {"x": [private]},
                "confidence": "high",
                "action": private,
                "session_tags": [{}],
            }
        }
    )
    assert result is not None
    assert result.level == RiskLevel.CRITICAL
    assert result.row == "R0-invalid-input"
    assert not any(private in reason for reason in result.reasons)


def test_huge_values_are_critical(classifier: RiskClassifier) -> None:
    result = classifier.classify("x" * 1_000_000, "high", "skip", [])
    assert (result.level, result.row) == (RiskLevel.CRITICAL, "R0-invalid-input")


def test_more_session_tags_than_the_engine_limit_allows_fail_closed(classifier: RiskClassifier) -> None:
    result = classifier.classify("question", "high", "log_only", [f"tag-{i}" for i in range(50_000)])
    assert (result.level, result.row) == (RiskLevel.CRITICAL, "E1-evaluation-error")
    assert result.reasons == (
        "E1-evaluation-error: the risk policy could not be evaluated (instruction_limit)",
    )


_UNDEFINED_RESULT = """package sentinel.risk

result := {"level": "low", "row": "X", "reasons": []} if input.action == "never"
"""

_WRONG_SHAPE = """package sentinel.risk

result := {"level": "severe", "row": "X", "reasons": []}
"""


def test_a_policy_without_a_result_fails_closed() -> None:
    result = RiskClassifier.from_modules([("undefined.rego", _UNDEFINED_RESULT)]).classify(
        "question", "high", "log_only"
    )
    assert result == RiskResult(
        RiskLevel.CRITICAL, "E1-evaluation-error", ("E1-evaluation-error: the risk policy gave no result",)
    )


def test_a_policy_answering_an_unknown_level_fails_closed() -> None:
    result = RiskClassifier.from_modules([("shape.rego", _WRONG_SHAPE)]).classify(
        "question", "high", "log_only"
    )
    assert (result.level, result.row) == (RiskLevel.CRITICAL, "E1-evaluation-error")


def test_a_policy_that_does_not_compile_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match=r"broken\.rego"):
        RiskClassifier.from_modules([("broken.rego", "package sentinel.risk\n\nresult := {\n")])


def test_a_policy_without_the_result_rule_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match=r"data\.sentinel\.risk\.result"):
        RiskClassifier.from_modules([("other.rego", "package sentinel.risk\n\nlevel := 1\n")])


# regorus's VMs belong to the thread that made them; one dropped elsewhere is reported as unraisable.
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_one_classifier_shared_by_threads_gives_each_thread_the_same_answers(
    classifier: RiskClassifier,
) -> None:
    # Memo off, so that every call runs a thread's own virtual machine.
    shared = RiskClassifier.from_modules(policy_modules(library_risk_dir()), cache_size=0)
    combos = list(valid_combinations())
    expected = [classifier.classify(p, c, a, ["critical_session"]) for p, c, a in combos]

    def run(_: int) -> list[RiskResult]:
        return [shared.classify(p, c, a, ["critical_session"]) for p, c, a in combos]

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(run, range(4)))
    assert all(answer == expected for answer in answers)


def test_a_program_asked_for_another_entry_point_fails_closed() -> None:
    program = CompiledPolicy.compile(policy_modules(library_risk_dir()), {}, [RESULT_RULE], limits=None)
    result = RiskClassifier(_Renamed(program), cache_size=0).classify("question", "high", "skip")
    assert (result.level, result.row) == (RiskLevel.CRITICAL, "E1-evaluation-error")


class _Renamed:
    """An evaluator that asks its program for a rule the program was not compiled for."""

    def __init__(self, program: CompiledPolicy) -> None:
        self.program = program

    def evaluate_json(self, entrypoint: str, input_json: str) -> object:
        return self.program.evaluate_json(entrypoint + "_other", input_json)
