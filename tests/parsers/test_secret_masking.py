"""Secrets in a file that fails to parse never reach the error message, whatever the parser.

Repository content is attacker-controlled and CI logs are public: a parse error may say where
the file is broken and quote a short masked excerpt, never a secret, nor the secret upper-cased
(BuildKit names an unknown instruction in upper case, which also hides it from detectors).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sentinel import parsers
from sentinel.cli import main

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"
HIGH_ENTROPY_PASSWORD = "tZ8qP3vX9mK2wR7nL4bY6cF1hJ5dG0sA"
SECRETS = {"aws": AWS_KEY, "github": GITHUB_TOKEN, "entropy": HIGH_ENTROPY_PASSWORD}

# (parser, file name, text with the secret as {s}, line of the syntax error). Where a format's
# library quotes input in its messages, the secret sits in the part it quotes.
BROKEN = [
    ("codeowners", "CODEOWNERS", "* @team\n/a {s}\n", 2),
    ("cyclonedx", "bom.cyclonedx", '{{"bomFormat": "CycloneDX",\n"k": {s}}}', 2),
    ("dockerfile", "Dockerfile", "FROM alpine\n{s}\n", 2),
    ("dockerfile", "Dockerfile", "FROM alpine\nENV a=b {s}\n", 2),
    ("dotenv", ".env", "A=1\nexport {s} x\n", 2),
    ("edn", "a.edn", "{{:a 1\n:b {s}]", 2),
    ("hcl1", "a.hcl", 'a = 1\nb = "x" "{s}"\n', 2),
    ("hcl2", "a.tf", 'a = 1\nb = "x" "{s}"\n', 2),
    ("hocon", "a.hocon", "a = 1\nb = ${{{s}}}\n", 2),
    ("ini", "a.ini", "[s]\nk = v\n[{s}\n", 3),
    ("json", "a.json", '{{"a": 1,\n"b": {s}}}', 2),
    ("jsonc", "a.jsonc", '{{"a": 1,\n"b": {s}}}', 2),
    ("jsonnet", "a.jsonnet", "{{a: 1,\nb: {s}}}", 2),
    ("jsonnet", "a.jsonnet", "{{a: 1,\nb: error '{s}'}}", 2),
    ("nginx", "nginx.conf", "events {{}}\nhttp {{ {s} }}\n", 2),
    ("properties", "a.properties", "a=1\nb=\\u{s}\n", 2),
    ("spdx", "a.spdx", "SPDXVersion: SPDX-2.3\n{s}: x\n", 2),
    ("toml", "a.toml", "a = 1\nb = {s}\n", 2),
    ("xml", "a.xml", "<a>\n<{s}></b></a>", 2),
    ("yaml", "a.yaml", "a: 1\nb: *{s}\n", 2),
]
# An ignore file has no syntax: every line is a pattern, so it cannot fail to parse.
NEVER_FAILS = {"ignore"}
# textproto needs --proto-file-dirs: tests/parsers/test_textproto_parser.py covers its masking.
NEEDS_SCHEMA = {"textproto"}

POLICY = 'package main\n\ndeny contains msg if {\n\tinput.never\n\tmsg := "never"\n}\n'


def test_every_parser_that_can_fail_is_covered() -> None:
    assert {name for name, *_ in BROKEN} == set(parsers.names()) - NEVER_FAILS - NEEDS_SCHEMA


def _leaks(secret: str, output: str) -> list[str]:
    """Parts of ``secret`` (as written or upper-cased) longer than a masked prefix in ``output``."""
    return [form[i:i + 8] for form in (secret, secret.upper()) for i in range(len(form) - 7)
            if form[i:i + 8] in output]


def _run(tmp_path: Path, command: str, parser: str, name: str, text: str) -> Result:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    args = ["--parser", parser, str(path)]
    if command == "test":
        policy = tmp_path / "policy.rego"
        policy.write_text(POLICY, encoding="utf-8")
        args = ["-p", str(policy), *args]
    return CliRunner().invoke(main, [command, *args])


@pytest.mark.parametrize("command", ["parse", "test"])
@pytest.mark.parametrize("kind", sorted(SECRETS))
@pytest.mark.parametrize(("parser", "name", "template", "line"), BROKEN)
def test_a_secret_in_a_syntax_error_is_never_printed(
    tmp_path: Path, command: str, kind: str, parser: str, name: str, template: str, line: int,
) -> None:
    secret = SECRETS[kind]
    result = _run(tmp_path, command, parser, name, template.format(s=secret))
    output = result.stdout + result.stderr
    assert result.exit_code == 2, output
    assert secret not in output
    assert secret.upper() not in output
    assert _leaks(secret, output) == [], output
    assert f"{tmp_path / name}:{line}: " in result.stderr
