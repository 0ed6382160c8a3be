"""Inputs: multi-document YAML, stdin, --combine, folders, --ignore, --parser, data files."""

from __future__ import annotations

from tests.runner.conftest import results_json

NAME_POLICY = """
package main
import rego.v1
deny contains sprintf("%s has no owner", [input.name]) if not input.owner
"""


def test_multi_document_yaml_is_evaluated_per_document_under_one_file(write, run) -> None:
    write("policy/p.rego", NAME_POLICY)
    write("svc.yaml", "name: a\nowner: x\n---\nname: b\n---\nname: c\n")
    result = run("test", "-o", "json", "svc.yaml")
    [check] = results_json(result.output)
    assert check["filename"] == "svc.yaml"
    assert sorted(f["msg"] for f in check["failures"]) == ["b has no owner", "c has no owner"]
    assert check["successes"] == 1


def test_stdin_as_dash(write, run) -> None:
    write("policy/p.rego", NAME_POLICY)
    result = run("test", "-o", "json", "-", input='{"name": "piped"}')
    [check] = results_json(result.output)
    # conftest's JSON output names stdin "" (its stdout output says "-").
    assert check["filename"] == ""
    assert check["failures"][0]["msg"] == "piped has no owner"
    text = run("test", "--no-color", "-", input='{"name": "piped"}')
    assert "FAIL - - main - piped has no owner" in text.output


def test_combine_evaluates_one_document_of_paths_and_contents(write, run) -> None:
    write(
        "policy/p.rego",
        """
        package main
        import rego.v1
        deny contains msg if {
            names := {doc.contents.name | some doc in input}
            count(names) != count(input)
            msg := "duplicate names"
        }
        deny contains msg if {
            some doc in input
            not doc.path
            msg := "no path"
        }
    """,
    )
    write("a.json", '{"name": "x"}')
    write("b.yaml", "name: x\n")
    result = run("test", "-o", "json", "--combine", "a.json", "b.yaml")
    [check] = results_json(result.output)
    assert check["filename"] == "Combined"
    assert [f["msg"] for f in check["failures"]] == ["duplicate names"]


def test_folders_are_walked_and_ignore_skips_paths(write, run) -> None:
    write("policy/p.rego", NAME_POLICY)
    write("configs/a.json", '{"name": "a"}')
    write("configs/nested/b.yaml", "name: b\n")
    write("configs/skip/c.json", '{"name": "c"}')
    write("configs/readme.unknownext", "not parsed")
    result = run("test", "-o", "json", "--ignore", "skip", "configs")
    files = sorted(c["filename"] for c in results_json(result.output))
    assert files == ["configs/a.json", "configs/nested/b.yaml"]


def test_parser_flag_overrides_the_extension(write, run) -> None:
    write("policy/p.rego", NAME_POLICY)
    write("settings.conf", '{"name": "conf"}')
    result = run("test", "-o", "json", "--parser", "json", "settings.conf")
    assert results_json(result.output)[0]["failures"][0]["msg"] == "conf has no owner"


def test_data_files_are_available_under_data(write, run) -> None:
    write(
        "policy/p.rego",
        """
        package main
        import rego.v1
        deny contains msg if {
            not input.name in data.allowed.names
            msg := sprintf("%s is not allowed", [input.name])
        }
    """,
    )
    write("data/allowed.yaml", "allowed:\n  names: [ok]\n")
    write("in.json", '{"name": "nope"}')
    result = run("test", "-o", "json", "-d", "data", "in.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == "nope is not allowed"


def test_data_in_subfolders_is_namespaced_by_folder(write, run) -> None:
    write(
        "policy/p.rego",
        """
        package main
        import rego.v1
        deny contains "limit" if input.n > data.limits.max
    """,
    )
    write("data/limits/values.json", '{"max": 3}')
    write("in.json", '{"n": 4}')
    assert run("test", "-d", "data", "in.json").exit_code == 1


def test_combine_gives_each_yaml_document_its_own_entry(write, run) -> None:
    write("policy/p.rego", """
        package main
        import rego.v1
        deny contains sprintf("%d entries", [count(input)]) if true
    """)
    write("multi.yaml", "a: 1\n---\nb: 2\n")
    write("one.json", '{"c": 3}')
    result = run("test", "-o", "json", "--combine", "multi.yaml", "one.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == "3 entries"


def test_yaml_dates_in_data_stay_text_as_in_opa(write, run) -> None:
    write("policy/p.rego", """
        package main
        import rego.v1
        deny contains data.release.date if true
    """)
    write("data/release.yaml", "release:\n  date: 2027-01-15\n")
    write("in.json", "{}")
    result = run("test", "-o", "json", "-d", "data", "in.json")
    assert results_json(result.output)[0]["failures"][0]["msg"] == "2027-01-15"
