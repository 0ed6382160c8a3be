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


def test_default_namespace_main_without_a_main_package_is_an_error(write, run) -> None:
    _policies(write)
    result = run("test", "-p", "policy", "--no-color", "in.json")
    assert result.exit_code == 2
    assert "namespace 'main' matches no policy package" in result.output
    assert "other, team.alpha, team.beta" in result.output


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


def test_glob_matching_nothing_is_an_error(write, run) -> None:
    _policies(write)
    result = run("test", "-o", "json", "-n", "nothing.*", "in.json")
    assert result.exit_code == 2
    assert "namespace 'nothing.*' matches no policy package" in result.output


def test_misspelt_namespace_is_an_error_with_a_suggestion(write, run) -> None:
    _policies(write)
    result = run("test", "-n", "team.alfa", "in.json")
    assert result.exit_code == 2
    assert "did you mean 'team.alpha'?" in result.output


def test_misspelt_namespace_in_conftest_yml_is_an_error(write, run) -> None:
    _policies(write)
    write("conftest.yml", "namespace: [othr]\n")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "did you mean 'other'?" in result.output


def test_verify_namespace_matching_no_tests_is_an_error(write, run) -> None:
    write("policy/p_test.rego", "package team.alpha_test\nimport rego.v1\ntest_ok if true\n")
    result = run("verify", "-n", "team.alpa_test")
    assert result.exit_code == 2
    assert "did you mean 'team.alpha_test'?" in result.output
