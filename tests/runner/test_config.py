"""conftest.yml / conftest.toml: flags override SENTINEL_* env vars, which override the file; the
whole file is validated against one schema, its paths stay inside the repository, and its params and
exceptions reach the policies as data."""

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
    write("ci/rules/p.rego", "package custom\nimport rego.v1\ndeny contains \"from ci\" if true\n")
    write("ci/settings.yml", "policy: rules\nnamespace: [custom]\noutput: json\n")
    result = run("test", "-c", "ci/settings.yml", "in.json")
    # Paths in a configuration file are relative to its folder.
    assert results_json(result.output)[0]["failures"][0]["msg"] == "from ci"


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


def _error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    return str(result.output)


def test_wrong_type_names_file_line_and_key(write, run) -> None:
    _setup(write)
    write("conftest.yml", "extract:\n  max_file_bytes: \"1MB\"\n")
    output = _error(run("test", "in.json"))
    assert "conftest.yml:2: extract.max_file_bytes: must be an integer (got string '1MB')" in output


def test_policy_must_be_a_path_or_a_list(write, run) -> None:
    _setup(write)
    write("conftest.yml", "namespace: [custom]\npolicy: 123\n")
    assert "conftest.yml:2: policy: must be a path or a list of paths" in _error(run("test", "in.json"))


def test_a_bare_string_where_a_list_belongs_is_an_error_not_characters(write, run) -> None:
    _setup(write)
    write("conftest.yml", "extract:\n  exclude: src\n")
    output = _error(run("test", "in.json"))
    assert "conftest.yml:2: extract.exclude: must be a list (got string 'src')" in output


def test_unknown_keys_suggest_the_one_meant(write, run) -> None:
    _setup(write)
    write("conftest.yml", "extrct:\n  out: x\nbot:\n  comment_idd: a\n")
    output = _error(run("test", "in.json"))
    assert "conftest.yml:1: extrct: unknown key 'extrct'; did you mean 'extract'?" in output
    assert "conftest.yml:4: bot.comment_idd: unknown key 'comment_idd'; did you mean 'comment_id'?" in output


def test_every_problem_is_reported_at_once(write, run) -> None:
    _setup(write)
    write("conftest.yml", "jobs: -1\nextract:\n  options:\n    coverage:\n      max_report_bytes: 0\n")
    output = _error(run("test", "in.json"))
    assert "conftest.yml:1: jobs:" in output
    assert "conftest.yml:5: extract.options.coverage.max_report_bytes:" in output


def test_toml_errors_name_the_key(write, run) -> None:
    _setup(write)
    write("conftest.toml", '[extract]\nmax_file_bytes = "1MB"\n')
    assert "conftest.toml: extract.max_file_bytes: must be an integer" in _error(run("test", "in.json"))


def test_layers_are_declared_once(write, run) -> None:
    _setup(write)
    write("conftest.yml", "params:\n  core:\n    layers: {a: ['a/**']}\n")
    assert "declared once, in extract.options.files.layers" in _error(run("test", "in.json"))


def test_absolute_config_paths_are_refused(write, run) -> None:
    _setup(write)
    write("conftest.yml", "namespace: [custom]\npolicy: rules\ndata: [/etc/passwd]\n")
    output = _error(run("test", "in.json"))
    assert "conftest.yml:3: data[0]: '/etc/passwd' is an absolute path" in output


def test_dotdot_escapes_are_refused(write, run) -> None:
    _setup(write)
    write("conftest.yml", "namespace: [custom]\npolicy: ../rules\n")
    output = _error(run("test", "in.json"))
    assert "conftest.yml:2: policy: '../rules' points outside the repository" in output


def test_symlinks_pointing_out_are_refused(write, run, tmp_path, tmp_path_factory) -> None:
    _setup(write)
    outside = tmp_path_factory.mktemp("outside")
    (tmp_path / "linked").symlink_to(outside, target_is_directory=True)
    write("conftest.yml", "namespace: [custom]\npolicy: rules\nextract:\n  out: linked/inputs\n")
    assert "extract.out: 'linked/inputs' points outside the repository through a symlink" in _error(
        run("test", "in.json")
    )


def test_allow_outside_paths_lets_the_user_opt_in(write, run, tmp_path_factory) -> None:
    _setup(write)
    outside = tmp_path_factory.mktemp("shared")
    (outside / "p.rego").write_text('package custom\nimport rego.v1\ndeny contains "shared" if true\n')
    write("conftest.yml", f"namespace: [custom]\npolicy: [{outside}]\noutput: json\n")
    assert run("test", "in.json").exit_code == 2
    result = run("test", "--allow-outside-paths", "in.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == "shared"


def _echo_data(write, query: str) -> None:
    write("rules/p.rego", f"package custom\nimport rego.v1\ndeny contains json.marshal({query}) if true\n")


def test_params_reach_the_policies_over_the_library_defaults(write, run) -> None:
    _setup(write)
    _echo_data(write, "[data.sentinel.params.core.paths, data.sentinel.params.meta.max_exception_days]")
    params = "params: {core: {paths: ['app/**']}}\n"
    write("conftest.yml", "namespace: [custom]\npolicy: rules\noutput: json\n" + params)
    result = run("test", "in.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == '[["app/**"],90]'


def test_exceptions_and_extract_layers_reach_the_policies(write, run) -> None:
    _setup(write)
    _echo_data(write, "[count(data.sentinel.exceptions), data.sentinel.params.core.layers]")
    write(
        "conftest.yml",
        "namespace: [custom]\npolicy: rules\noutput: json\n"
        "exceptions:\n  - {rule: testing.async_sleep, reason: flaky, expires: '2030-01-01'}\n"
        "extract:\n  options:\n    files:\n      layers: {app: ['app/**']}\n",
    )
    result = run("test", "in.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == '[1,{"app":["app/**"]}]'


def test_exceptions_need_a_reason(write, run) -> None:
    _setup(write)
    write("conftest.yml", "exceptions:\n  - rule: testing.async_sleep\n    expires: '2030-01-01'\n")
    assert "conftest.yml:2: exceptions[0]: 'reason' is missing (required)" in _error(run("test", "in.json"))


def test_yaml_alias_bombs_are_refused(write, run) -> None:
    _setup(write)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    write("conftest.yml", "\n".join(lines) + "\n")
    assert "YAML aliases" in _error(run("test", "in.json"))


def test_every_flag_of_test_verify_and_check_is_in_the_schema() -> None:
    import click

    from sentinel.cli import main
    from sentinel.config import SECTIONS, schema

    ctx = click.Context(main)
    names = set()
    for command in ("test", "verify", "check"):
        cmd = main.get_command(ctx, command)
        assert cmd is not None
        # The configuration key is the long flag's name (``--baseline`` stores into ``baseline_file``).
        names |= {
            max(p.opts, key=len).lstrip("-").replace("-", "_")
            for p in cmd.params
            if isinstance(p, click.Option) and p.expose_value
        }
    names -= {"config_file"}
    assert names <= set(schema()["properties"]) - set(SECTIONS), sorted(names - set(schema()["properties"]))
