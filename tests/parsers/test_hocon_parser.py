from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_hocon_objects_paths_and_substitutions(write_file: WriteFile) -> None:
    text = 'server {\n  port = 8080\n  tls = true\n}\nclient.url = "http://localhost:"${server.port}\n'
    expected = {"server": {"port": 8080, "tls": True}, "client": {"url": "http://localhost:8080"}}
    assert parse_file(write_file("app.hocon", text)) == expected


def test_hocon_includes_resolve_next_to_the_file(write_file: WriteFile) -> None:
    write_file("conf/base.conf", "db { host = primary }\n")
    path = write_file("conf/app.hocon", 'include "base.conf"\ndb.port = 5432\n')
    assert parse_file(path) == {"db": {"host": "primary", "port": 5432}}


def test_hocon_url_includes_are_refused(write_file: WriteFile) -> None:
    path = write_file("app.hocon", 'a = 1\ninclude url("http://example.invalid/x.conf")\n')
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 2)


def test_hocon_syntax_error_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.hocon", "a {\n  b = [1, 2\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 3)


def test_hocon_unresolved_substitution_names_its_line(write_file: WriteFile) -> None:
    path = write_file("bad.hocon", "a = 1\nb = ${missing}\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.line == 2
    assert "missing" in info.value.message


def test_hocon_optional_substitution_missing_from_the_document_is_conftests_placeholder(
    write_file: WriteFile,
) -> None:
    path = write_file("opt.hocon", "app {\n  token = ${?HOME}\n  name = api\n}\n")
    assert parse_file(path) == {"app": {"token": "<<unknown value>>", "name": "api"}}


def test_hocon_environment_substitution_is_an_error_that_says_why(write_file: WriteFile) -> None:
    path = write_file("env.hocon", "a {\n  home = ${HOME}\n}\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 2)
    assert "environment variables are never read" in info.value.message
