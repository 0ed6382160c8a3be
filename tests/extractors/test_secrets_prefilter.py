"""The whole-file prefilter of the secrets kind: a superset of what detect-secrets flags.

Every secret is assembled at run time from pieces, so scanning this file finds none.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from detect_secrets.core import scan as ds_scan
from detect_secrets.settings import default_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.secrets import engine, extract, filters
from sentinel.extractors.secrets.prefilter import ascii_lowered, file_pattern
from sentinel.extractors.selection import select_files
from testsupport.files import write

AWS = "AKIA" + "IOSFODNN7EXAMPLE"
GITHUB = "ghp_" + "aB3dE5fG7hJ9kL1mN3" + "pQ5rS7tU9vW1xY3zA5"
STRIPE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
B64 = base64.b64encode(hashlib.sha256(b"prefilter").digest()).decode()
HEX = hashlib.md5(b"prefilter").hexdigest()
TWILIO = "AC" + "0" * 4 + "f" * 28
SLACK = "xox" + "b-1234567890-" + "abcdefghijABCDEFGHIJ"
TELEGRAM = "1234567" + "89:" + "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
PRIVATE = "-----BEGIN " + "RSA PRIVATE KEY-----"
PW = "pass" + "word"
KELVIN = "\u212a"

# True positives and near misses, in file types that take each of detect-secrets' paths: plain
# lines, INI with and without a header, YAML, and the eager INI reader for files of type OTHER.
CORPUS = {
    "plain.py": "def f(x):\n    return x * 2\n",
    "aws.py": f'A = "{AWS}"\nB = "{AWS[:-1]}"\n',
    "keyword_upper.py": f'{PW.upper()} = "hunter2hunter2"\n',
    "keyword_trailing.py": f'{PW} = "hunter2hunter2"   \t\n',
    "keyword_kelvin.py": f'api_{KELVIN}ey = "hunter2hunter2"\n',
    "keyword_far.py": f"{PW}_hint = 1\n\n\nvalue = 'x'\n",
    "entropy_exact.py": f"a = '{B64[:23]}'\nb = '{B64}'\nc = \"{HEX}\"\n",
    "entropy_short.py": f"a = '{B64[:22]}'\nb = '{HEX[:8]}'\n",
    "entropy_unquoted.py": f"a = {B64}\n",
    "tokens.js": f'const t = "{GITHUB}";\nconst s = "{STRIPE}";\nconst w = "{TWILIO}";\n',
    "slack.go": f'var s = "{SLACK}"\nvar T = "{SLACK.upper()}"\n',
    "bot.py": f"TOKEN = '{TELEGRAM}'\nNEAR = '{TELEGRAM[:-3]}'\n",
    "key.py": f'K = """\n{PRIVATE}\n"""\n',
    "net.py": "HOST = '93.184.216.34'\nLOCAL = '10.0.0.1'\nV = 'v1.2.3.4x'\n",
    "header.cfg": f"# comment\n\n[main]\n{PW}: hunter2hunter2\ntoken = {B64}\n",
    "noheader.cfg": f"{PW}: hunter2hunter2\ntoken = {B64}\n",
    "section_late.py": f"\n# c\n[s]\nsecret = {B64}\n",
    "app.yaml": f"db:\n  {PW}: hunter2hunter2\n  token: {B64}\n",
    "notes.txt": f"{PW} = hunter2hunter2\ntoken: {B64}\n",
    "crlf.py": f'x = 1\r\nA = "{AWS}"\r\n',
}


def _theirs(root: Path) -> set[tuple[str, str, str, int]]:
    first: dict[tuple[str, str, str], int] = {}
    with default_settings():
        for rel in CORPUS:
            for secret in ds_scan.scan_file(str(root / rel)):
                key = (rel, secret.type, secret.secret_hash)
                first[key] = min(secret.line_number, first.get(key, secret.line_number))
    return {(*k, line) for k, line in first.items()}


def _ours(root: Path) -> set[tuple[str, str, str, int]]:
    doc: dict[str, Any] = extract(ExtractContext(root=root, files=tuple(select_files(root)), jobs=1))
    return {(f["file"], f["rule"], f["fingerprint"], f["line"]) for f in doc["findings"]}


def test_findings_equal_detect_secrets_scan_on_true_positives_and_near_misses(tmp_path: Path) -> None:
    for rel, text in CORPUS.items():
        write(tmp_path, rel, text)
    ours = _ours(tmp_path)
    assert ours == _theirs(tmp_path)
    files = {file for file, _, _, _ in ours}
    assert {"aws.py", "keyword_upper.py", "keyword_trailing.py", "entropy_exact.py", "tokens.js",
            "header.cfg", "section_late.py", "app.yaml", "notes.txt", "crlf.py"} <= files


def test_a_file_no_gate_can_match_is_skipped_and_one_that_can_is_not() -> None:
    with default_settings():
        engine._configure()
        gates = engine.Gates()
        plugins = gates.for_file("m.py")
        assert not engine.prefilter.file_may_match("def f(x):\n    return x * 2\n", plugins)
        assert engine.prefilter.file_may_match(f'A = "{AWS}"\n', plugins)
        assert engine.prefilter.file_may_match(f'{PW.upper()} = "hunter2hunter2"\n', plugins)
        assert engine.prefilter.file_may_match(f"x = '{B64}'\n", plugins)
        assert not engine.prefilter.file_may_match(f"x = '{B64[:22]}'\n", plugins)


def test_ini_may_parse_needs_a_section_header_before_any_other_line() -> None:
    assert engine.ini_may_parse("\n# c\n; d\n  [s]\nk = v\n")
    assert not engine.ini_may_parse("k = v\n[s]\n")
    assert not engine.ini_may_parse("# only comments\n\n")


def test_case_insensitive_patterns_run_on_lowered_ascii_text_only_when_equivalent() -> None:
    lowered = ascii_lowered(re.compile(r"(pass|key)[a-zA-Z0-9]{4}(['\"])\2", re.IGNORECASE))
    assert lowered is not None and not lowered.flags & re.IGNORECASE
    assert lowered.search('PASSWORD""'.lower())
    assert ascii_lowered(re.compile(r"[A-Z]{4}", re.IGNORECASE)) is None  # no lower case to match
    assert ascii_lowered(re.compile(r"[^A-Z]x", re.IGNORECASE)) is None
    assert ascii_lowered(re.compile("\u212a", re.IGNORECASE)) is None  # the Kelvin sign matches k
    assert ascii_lowered(re.compile("abc")) is None


def test_file_pattern_drops_assertions_and_refuses_slow_starts() -> None:
    ip = re.compile(r"(?<![\w.])(\d{1,3}\.){3}\d{1,3}(?![\w.])")
    loose = file_pattern(ip)
    assert loose is not None and loose.search("x1.2.3.4y")
    cut = file_pattern(re.compile(r"(?:a|)\w+"))  # cut to start at the class
    assert cut is not None and cut.search("zz")
    assert file_pattern(re.compile(r"(?:a|).")) is None  # tried at every position: refused
    across = file_pattern(re.compile(r"key\s*=\s*x"))
    assert across is not None and across.search("key = x") and not across.search("key\n= x")


def _plugin_patterns() -> list[tuple[str, re.Pattern[str]]]:
    from detect_secrets.plugins import keyword
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.settings import get_plugins

    with default_settings():
        plugins = get_plugins()
        found = [
            (type(p).__name__, pattern)
            for p in plugins if isinstance(p, RegexBasedDetector) for pattern in p.denylist
        ]
    tables = [keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, keyword.CONFIG_DENYLIST_REGEX_TO_GROUP]
    return found + [("KeywordDetector", pattern) for table in tables for pattern in table]


PATTERNS = _plugin_patterns()
WRAPPERS = ('K = "{}"\n', "{}\n", "key: {}\n", "  x = '{}'   \n", "[s]\nk = {}\n", "a\n{}\r\nb = 1\n")


@settings(max_examples=150, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_strings_each_plugin_pattern_matches_are_found_as_detect_secrets_finds_them(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """A true positive of every plugin pattern (generated from the pattern), in varied contexts and
    file types: the same findings as detect-secrets' own scan, whatever the prefilter skipped."""
    _, pattern = data.draw(st.sampled_from(PATTERNS))
    one_line = st.from_regex(pattern, fullmatch=True).filter(lambda s: "\n" not in s and "\r" not in s)
    token = data.draw(one_line)
    text = data.draw(st.sampled_from(WRAPPERS)).format(token)
    name = "f" + data.draw(st.sampled_from([".py", ".txt", ".cfg", ".yaml", ".js", ".go"]))
    root = tmp_path_factory.mktemp("gen")
    (root / name).write_bytes(text.encode("utf-8", "surrogatepass"))
    ours = {(f["file"], f["rule"], f["fingerprint"], f["line"])
            for f in extract(ExtractContext(root=root, files=(name,), jobs=1))["findings"]}
    first: dict[tuple[str, str, str], int] = {}
    own_names: set[tuple[str, str, str]] = set()
    with default_settings():
        for secret in ds_scan.scan_file(str(root / name)):
            key = (name, secret.type, secret.secret_hash)
            first[key] = min(secret.line_number, first.get(key, secret.line_number))
            # Our documented extra filter: a value that is a name on its line is no secret.
            if any(filters.is_own_name(secret.secret_value or "", line) for line in text.splitlines()):
                own_names.add(key)
    theirs = {(*k, line) for k, line in first.items()}
    assert ours <= theirs
    assert {(f, r, h) for f, r, h, _ in theirs - ours} <= own_names
