"""nginx configuration in conftest's (gonginx's) shape (expected values from conftest v0.71.1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_nginx_directives_keep_source_text_and_drop_comments(write_file: WriteFile) -> None:
    path = write_file("nginx.conf", (
        "# main\nuser nginx;  # inline\nevents {}\n"
        "log_format main '$remote_addr \"$request\"' \"x y\";\n"
        "if ($agent ~ MSIE) { return 403; }\n"
    ))
    assert parse_file(path) == {"directives": [
        {"name": "user", "parameters": ["nginx"]},
        {"name": "events", "block": {"directives": []}},
        {"name": "log_format", "parameters": ["main", "'$remote_addr \"$request\"'", '"x y"']},
        {"name": "if", "parameters": ["($agent", "~", "MSIE)"],
         "block": {"directives": [{"name": "return", "parameters": ["403"]}]}},
    ]}


def test_nginx_http_and_upstream_list_their_servers_last_as_gonginx_does(write_file: WriteFile) -> None:
    path = write_file("site.nginx", (
        "http {\n  server { listen 80; }\n"
        "  upstream be extra { server a:1 weight=2 backup max_fails=3; keepalive 4; }\n"
        "  gzip on;\n}\n"
    ))
    assert parse_file(path) == {"directives": [{"name": "http", "block": {"directives": [
        {"name": "upstream", "parameters": ["be"], "block": {"directives": [
            {"name": "keepalive", "parameters": ["4"]},
            {"name": "server", "parameters": ["a:1", "max_fails=3", "weight=2", "backup"]},
        ]}},
        {"name": "gzip", "parameters": ["on"]},
        {"name": "server", "block": {"directives": [{"name": "listen", "parameters": ["80"]}]}},
    ]}}]}


def test_nginx_include_is_not_followed(write_file: WriteFile) -> None:
    write_file("secret.conf", "password hunter2;\n")
    path = write_file("nginx.conf", "include secret.conf;\n")
    assert parse_file(path) == {"directives": [{"name": "include", "parameters": ["secret.conf"]}]}


@pytest.mark.parametrize(("text", "line"), [
    ("events {\n", 1), ("user x\n", 1), ("}\n", 1), ('user "x;\n', 1), ("a { b; }\n}\n", 2),
])
def test_nginx_syntax_errors_name_the_file(write_file: WriteFile, text: str, line: int) -> None:
    path = write_file("nginx.conf", text)
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, line)
    assert info.value.message.startswith("invalid nginx: ")


def test_nginx_deep_nesting_is_refused(write_file: WriteFile) -> None:
    path = write_file("nginx.conf", "a {" * 100 + "}" * 100)
    with pytest.raises(ParseError, match="nested more than 64 deep"):
        parse_file(path)
