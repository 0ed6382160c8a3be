from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_single_yaml_document_parses_to_its_value(write_file: WriteFile) -> None:
    path = write_file("deploy.yaml", "kind: Deployment\nspec:\n  replicas: 2\n  ports: [80, 443]\n")
    assert parse_file(path) == {"kind": "Deployment", "spec": {"replicas": 2, "ports": [80, 443]}}


def test_multi_document_yaml_gives_a_list_of_documents(write_file: WriteFile) -> None:
    path = write_file("all.yml", "kind: Service\n---\nkind: Deployment\n")
    assert parse_file(path) == [{"kind": "Service"}, {"kind": "Deployment"}]


def test_empty_yaml_documents_are_dropped(write_file: WriteFile) -> None:
    path = write_file("all.yaml", "---\nkind: Service\n---\n---\nkind: Deployment\n---\n")
    assert parse_file(path) == [{"kind": "Service"}, {"kind": "Deployment"}]


def test_stream_with_one_real_document_gives_that_document(write_file: WriteFile) -> None:
    path = write_file("one.yaml", "---\nkind: Service\n---\n")
    assert parse_file(path) == {"kind": "Service"}


def test_empty_yaml_file_is_null(write_file: WriteFile) -> None:
    assert parse_file(write_file("empty.yaml", "")) is None


def test_yaml_dates_become_iso_strings(write_file: WriteFile) -> None:
    path = write_file("dates.yaml", "day: 2024-03-01\nat: 2024-03-01T10:00:00Z\n")
    assert parse_file(path) == {"day": "2024-03-01", "at": "2024-03-01T10:00:00Z"}


def test_yaml_non_string_keys_become_strings(write_file: WriteFile) -> None:
    path = write_file("keys.yaml", "2: two\ntrue: yes\n")
    assert parse_file(path) == {"2": "two", "true": True}


def test_yaml_syntax_error_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.yaml", "a: 1\nb:\n  c: 2\n d: 3\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 4)
    assert "invalid YAML" in info.value.message


def test_yaml_error_in_a_later_document_names_its_line(write_file: WriteFile) -> None:
    path = write_file("bad.yaml", "a: 1\n---\nb: [1,\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.line == 4


def test_yaml_python_object_tags_are_refused(write_file: WriteFile) -> None:
    path = write_file("evil.yaml", "x: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ParseError, match="invalid YAML"):
        parse_file(path)


def test_file_without_extension_is_refused_rather_than_guessed_as_yaml(write_file: WriteFile) -> None:
    path = write_file("kubeconfig", "apiVersion: v1\n")
    with pytest.raises(ParseError, match="pass --parser"):
        parse_file(path)
    assert parse_file(path, parser="yaml") == {"apiVersion": "v1"}
