"""``sentinel parse``: conftest parse's output and errors, through the real click group."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sentinel.cli import main


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["parse", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_one_file_prints_its_document_as_indented_json(tmp_path: Path) -> None:
    path = write(tmp_path / "app.yaml", "name: api\nports: [80]\n")
    code, out, _ = run(path)
    assert code == 0
    assert out == '{\n  "name": "api",\n  "ports": [\n    80\n  ]\n}\n'


def test_keys_are_sorted_and_html_characters_escaped_as_go_prints_them(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", '{"z": "<a&b>", "a": 1.0}')
    code, out, _ = run(path)
    assert code == 0
    assert out == '{\n  "a": 1,\n  "z": "\\u003ca\\u0026b\\u003e"\n}\n'


def test_several_files_print_an_object_keyed_by_file_name(tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", '{"a": 1}')
    second = write(tmp_path / "b.toml", "b = 2\n")
    code, out, _ = run(second, first)
    assert code == 0
    assert json.loads(out) == {first: {"a": 1}, second: {"b": 2}}
    assert out.index(first) < out.index(second)


def test_multi_document_yaml_prints_the_list_of_documents(tmp_path: Path) -> None:
    path = write(tmp_path / "all.yaml", "kind: A\n---\nkind: B\n")
    code, out, _ = run(path)
    assert code == 0
    assert json.loads(out) == [{"kind": "A"}, {"kind": "B"}]


def test_combine_prints_path_and_contents_per_document(tmp_path: Path) -> None:
    yaml_path = write(tmp_path / "b.yaml", "kind: A\n---\nkind: B\n")
    json_path = write(tmp_path / "a.json", '{"x": 1}')
    code, out, _ = run("--combine", yaml_path, json_path)
    assert code == 0
    assert json.loads(out) == [
        {"path": json_path, "contents": {"x": 1}},
        {"path": yaml_path, "contents": {"kind": "A"}},
        {"path": yaml_path, "contents": {"kind": "B"}},
    ]
    assert out.index('"path"') < out.index('"contents"')


def test_parser_flag_overrides_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.conf", "[main]\nport = 80\n")
    code, out, _ = run("--parser", "ini", path)
    assert code == 0
    assert json.loads(out) == {"main": {"port": 80}}


def test_dash_reads_standard_input(tmp_path: Path) -> None:
    code, out, _ = run("-", input="a: 1\n")
    assert code == 0
    assert json.loads(out) == {"a": 1}


def test_dash_with_parser_reads_standard_input_in_that_format() -> None:
    code, out, _ = run("--parser", "toml", "-", input='name = "x"\n')
    assert code == 0
    assert json.loads(out) == {"name": "x"}


def test_parser_from_config_file_applies(tmp_path: Path) -> None:
    config = write(tmp_path / "conftest.yml", "parser: ini\n")
    path = write(tmp_path / "settings.conf", "[main]\nport = 80\n")
    code, out, _ = run("-c", config, path)
    assert code == 0
    assert json.loads(out) == {"main": {"port": 80}}


def test_syntax_error_exits_2_with_one_line_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.json", '{\n  "a": \n}\n')
    code, out, err = run(path)
    assert code == 2
    assert out == ""
    assert err.startswith(f"Error: {path}:3: invalid JSON")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "gone.yaml"))
    assert code == 2
    assert err == f"Error: {tmp_path / 'gone.yaml'}: input file does not exist\n"


def test_unknown_parser_exits_2_listing_the_choices(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", "{}")
    code, _, err = run("--parser", "csv", path)
    assert code == 2
    assert err.startswith("Error: unknown parser 'csv'; choose one of: ")


def test_unsupported_parser_exits_2_with_the_reason(tmp_path: Path) -> None:
    path = write(tmp_path / "a.cue", "a: 1\n")
    code, _, err = run(path)
    assert code == 2
    assert err.startswith(f"Error: {path}: unsupported parser 'cue': ")
    assert err.count("\n") == 1


def test_binary_input_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "blob.json"
    path.write_bytes(b"\x00\x01\x02")
    code, _, err = run(str(path))
    assert code == 2
    assert "binary file" in err


def test_no_files_is_a_usage_error() -> None:
    code, _, err = run()
    assert code == 2
    assert "Missing argument" in err


def test_combine_is_tab_indented_and_ends_with_a_blank_line_as_conftest(tmp_path: Path) -> None:
    # conftest formats --combine with MarshalIndent(..., "\t") plus "\n", then Println.
    path = write(tmp_path / "a.json", '{"k": 1}')
    code, out, _ = run("--combine", path)
    assert code == 0
    assert out == f'[\n\t{{\n\t\t"path": "{path}",\n\t\t"contents": {{\n\t\t\t"k": 1\n\t\t}}\n\t}}\n]\n\n'
