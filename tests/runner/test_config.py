"""conftest.yml / conftest.toml: flags override SENTINEL_* env vars, which override the file."""

from __future__ import annotations

from tests.runner.conftest import results_json


def _setup(write) -> None:
    write(
        "rules/p.rego",
        """
        package custom
        import rego.v1
        deny contains "from custom" if true
    """,
    )
    write(
        "other/p.rego",
        """
        package custom
        import rego.v1
        deny contains "from other" if true
    """,
    )
    write("in.json", "{}")


def test_config_file_supplies_flag_defaults(write, run) -> None:
    _setup(write)
    write("conftest.yml", "policy: rules\nnamespace: [custom]\noutput: json\n")
    result = run("test", "in.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == "from custom"


def test_conftest_toml_is_read_for_compatibility(write, run) -> None:
    _setup(write)
    write("conftest.toml", 'policy = "rules"\nnamespace = "custom"\noutput = "json"\n')
    result = run("test", "in.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == "from custom"


def test_environment_overrides_the_file(write, run, monkeypatch) -> None:
    _setup(write)
    write("conftest.yml", "policy: rules\nnamespace: [custom]\noutput: json\n")
    monkeypatch.setenv("SENTINEL_POLICY", "other")
    result = run("test", "in.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == "from other"


def test_flag_overrides_the_environment(write, run, monkeypatch) -> None:
    _setup(write)
    write("conftest.yml", "namespace: [custom]\noutput: json\n")
    monkeypatch.setenv("SENTINEL_POLICY", "other")
    result = run("test", "-p", "rules", "in.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == "from custom"


def test_config_file_flag_points_elsewhere(write, run) -> None:
    _setup(write)
    write("ci/settings.yml", "policy: rules\nnamespace: [custom]\noutput: json\n")
    result = run("test", "-c", "ci/settings.yml", "in.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == "from custom"


def test_missing_config_file_is_an_error(write, run) -> None:
    _setup(write)
    result = run("test", "-c", "nope.yml", "in.json")
    assert result.exit_code == 2
    assert "nope.yml" in result.output


def test_malformed_config_names_the_line(write, run) -> None:
    _setup(write)
    write("conftest.yml", "policy: rules\nnamespace: [custom\n")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "conftest.yml:" in result.output
