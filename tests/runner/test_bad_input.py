"""Bad input never passes: broken Rego, missing policies, unreadable inputs, bad flags -> exit 2."""

from __future__ import annotations

from pathlib import Path


def test_broken_rego_names_file_and_line(write, run) -> None:
    write("policy/ok.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    write("policy/broken.rego", "package main\n\ndeny contains msg if {\n  msg := \n}\n")
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "broken.rego:4" in result.output
    assert "Traceback" not in result.output


def test_policy_path_without_policies_is_an_error(write, run) -> None:
    write("policy/readme.md", "no rego here")
    write("in.json", "{}")
    result = run("test", "in.json")
    assert result.exit_code == 2
    assert "no policies found" in result.output


def test_missing_policy_path_is_an_error(write, run) -> None:
    write("in.json", "{}")
    result = run("test", "-p", "nowhere", "in.json")
    assert result.exit_code == 2
    assert "nowhere" in result.output


def test_missing_input_file_is_an_error(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    result = run("test", "absent.json")
    assert result.exit_code == 2
    assert "absent.json" in result.output


def test_binary_input_is_an_error(write, run, tmp_path: Path) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    (tmp_path / "blob.json").write_bytes(b"\x00\x01\x02binary")
    result = run("test", "blob.json")
    assert result.exit_code == 2
    assert "blob.json" in result.output


def test_invalid_json_names_the_line(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    write("bad.json", '{\n  "a": 1,\n  "b": \n}\n')
    result = run("test", "bad.json")
    assert result.exit_code == 2
    assert "bad.json" in result.output and ":4" in result.output


def test_unknown_output_and_parser_are_usage_errors(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    write("in.json", "{}")
    bad_output = run("test", "-o", "pdf", "in.json")
    assert bad_output.exit_code == 2 and "pdf" in bad_output.output
    bad_parser = run("test", "--parser", "klingon", "in.json")
    assert bad_parser.exit_code == 2 and "klingon" in bad_parser.output


def test_conflicting_data_documents_are_an_error(write, run) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    write("data/a.json", '{"limits": {"max": 1}}')
    write("data/b.json", '{"limits": {"max": 2}}')
    write("in.json", "{}")
    result = run("test", "-d", "data", "in.json")
    assert result.exit_code == 2
    assert "conflicting data" in result.output and "limits.max" in result.output


def test_runtime_error_in_a_rule_fails_closed(write, run) -> None:
    write(
        "policy/p.rego",
        """
        package main
        import rego.v1
        deny contains msg if {
            msg := sprintf("%d", [1 / input.zero])
        }
    """,
    )
    write("in.json", '{"zero": 0}')
    result = run("test", "in.json")
    assert result.exit_code == 2


def test_huge_input_is_refused_with_a_clear_error(write, run, tmp_path: Path, monkeypatch) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    monkeypatch.setenv("SENTINEL_MAX_INPUT_BYTES", "1000")
    (tmp_path / "big.json").write_text('{"a": "' + "x" * 5000 + '"}')
    result = run("test", "big.json")
    assert result.exit_code == 2
    assert "big.json" in result.output


def test_trace_without_opa_is_refused_rather_than_ignored(write, run, tmp_path: Path, monkeypatch) -> None:
    write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    write("in.json", "{}")
    monkeypatch.setenv("SENTINEL_OPA", str(tmp_path / "no-such-opa"))
    result = run("test", "--trace", "in.json")
    assert result.exit_code == 2
    assert "--trace" in result.output



def test_a_symlink_out_of_a_walked_folder_is_refused(tmp_path: Path, write, run) -> None:
    outside = write("outside.json", '{"secret": "from outside the folder"}')
    write("repo/ok.json", "{}")
    (tmp_path / "repo" / "leak.json").symlink_to(outside)
    write("policy/p.rego", "package main\n\ndeny contains input.secret if input.secret\n")
    result = run("test", "repo")
    assert result.exit_code == 2
    assert "leak.json" in result.output and "outside the input folder" in result.output
    assert "from outside the folder" not in result.output


def test_a_symlink_inside_a_walked_folder_is_read(tmp_path: Path, write, run) -> None:
    real = write("repo/real.json", '{"bad": true}')
    (tmp_path / "repo" / "alias.json").symlink_to(real)
    write("policy/p.rego", 'package main\n\ndeny contains "bad" if input.bad\n')
    result = run("test", "repo")
    assert result.exit_code == 1
    assert "2 failures" in result.output
