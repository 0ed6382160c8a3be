"""Namespaces: --namespace (repeatable, globs), --all-namespaces, empty namespaces."""

from __future__ import annotations

from tests.runner.conftest import results_json


def _policies(write) -> None:
    write(
        "policy/a.rego",
        """
        package team.alpha
        import rego.v1
        deny contains "alpha says no" if true
    """,
    )
    write(
        "policy/b.rego",
        """
        package team.beta
        import rego.v1
        warn contains "beta warns" if true
    """,
    )
    write(
        "policy/c.rego",
        """
        package other
        import rego.v1
        deny contains "other says no" if true
    """,
    )
    write("in.json", "{}")


def test_default_namespace_is_main_and_empty_main_passes(write, run) -> None:
    _policies(write)
    result = run("test", "--no-color", "in.json")
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "0 tests, 0 passed, 0 warnings, 0 failures, 0 exceptions"


def test_namespace_glob_selects_matching_packages(write, run) -> None:
    _policies(write)
    result = run("test", "-o", "json", "--namespace", "team.*", "in.json")
    namespaces = sorted(c["namespace"] for c in results_json(result.output))
    assert namespaces == ["team.alpha", "team.beta"]
    assert result.exit_code == 1


def test_namespace_flag_is_repeatable(write, run) -> None:
    _policies(write)
    result = run("test", "-o", "json", "-n", "team.beta", "-n", "other", "in.json")
    namespaces = sorted(c["namespace"] for c in results_json(result.output))
    assert namespaces == ["other", "team.beta"]


def test_all_namespaces(write, run) -> None:
    _policies(write)
    result = run("test", "-o", "json", "--all-namespaces", "in.json")
    namespaces = sorted(c["namespace"] for c in results_json(result.output))
    assert namespaces == ["other", "team.alpha", "team.beta"]


def test_glob_matching_nothing_selects_nothing_and_passes(write, run) -> None:
    _policies(write)
    result = run("test", "-o", "json", "-n", "nothing.*", "in.json")
    assert results_json(result.output) == []
    assert result.exit_code == 0
