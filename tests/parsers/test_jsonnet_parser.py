from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_jsonnet_evaluates_to_json(write_file: WriteFile) -> None:
    path = write_file("app.jsonnet", "local n = 2;\n{ name: 'api', replicas: n * 3, ports: [80] }\n")
    assert parse_file(path) == {"name": "api", "replicas": 6, "ports": [80]}


def test_jsonnet_imports_resolve_next_to_the_file(write_file: WriteFile) -> None:
    write_file("conf/lib.libsonnet", "{ region: 'eu-west-1' }\n")
    path = write_file("conf/main.jsonnet", "local lib = import 'lib.libsonnet';\n{ region: lib.region }\n")
    assert parse_file(path) == {"region": "eu-west-1"}


def test_jsonnet_syntax_error_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.jsonnet", "{\n  a: 1,\n  b:\n}\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 4)
    assert "STATIC ERROR" in info.value.message


def test_jsonnet_runtime_error_names_its_line(write_file: WriteFile) -> None:
    path = write_file("boom.jsonnet", "{\n  a: 1,\n  b: error 'no region set',\n}\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.line == 3
    assert "no region set" in info.value.message
