"""Choosing a parser from a file name as conftest's parser/parser.go does (checked against
conftest v0.71.1: ``conftest parse FILE`` picks the same parser or fails the same way)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import can_parse, parse_file, parser_name_for_path

WriteFile = Callable[[str, str | bytes], str]


@pytest.mark.parametrize(("path", "expected"), [
    ("Jenkinsfile", "groovy"), ("ci/jenkinsfile.prod", "groovy"), ("build.groovy", "groovy"),
    ("Jenkinsfile.yaml", "yaml"), ("Jenkinsfile.tf", "hcl2"),
    ("nginx.conf", "nginx"), ("conf/NGINX.CONF", "nginx"), ("site.nginx", "nginx"), ("other.conf", None),
    ("CODEOWNERS", "codeowners"), (".github/CODEOWNERS", "codeowners"), ("team.codeowners", "codeowners"),
    ("msg.textproto", "textproto"), ("msg.textpb", "textproto"), ("main.hcl1", "hcl1"),
    ("LICENSE", None), ("Makefile", None),
])
def test_file_names_conftest_recognises(path: str, expected: str | None) -> None:
    assert parser_name_for_path(path) == expected


def test_extensionless_files_stay_an_error_with_a_hint(write_file: WriteFile) -> None:
    path = write_file("LICENSE", "a: 1\n")
    with pytest.raises(ParseError, match="pass --parser") as info:
        parse_file(path)
    assert info.value.file == path


def test_codeowners_and_nginx_conf_are_picked_up_by_a_directory_walk() -> None:
    assert can_parse("repo/.github/CODEOWNERS")
    assert can_parse("etc/nginx.conf")


def test_jenkinsfile_is_named_but_groovy_is_unsupported(write_file: WriteFile) -> None:
    assert not can_parse("Jenkinsfile")
    path = write_file("Jenkinsfile", "pipeline { agent any }\n")
    with pytest.raises(ParseError, match="unsupported parser 'groovy'"):
        parse_file(path)

