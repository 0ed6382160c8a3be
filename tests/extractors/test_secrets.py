"""The secrets extractor: detect-secrets findings with fingerprints, allowlists and a baseline.

Every secret here is assembled at run time from pieces, so scanning this test file finds none.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from detect_secrets.core import scan as ds_scan
from detect_secrets.settings import default_settings

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.run import mask_problems
from sentinel.extractors.secrets import extract
from sentinel.extractors.secrets.mask import mask_secrets
from sentinel.extractors.secrets.prefilter import required_literals, whole_text_pattern
from sentinel.extractors.selection import select_files
from sentinel.inputs import dumps
from testsupport.files import write

AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_" + "aB3dE5fG7hJ9kL1mN3" + "pQ5rS7tU9vW1xY3zA5"
STRIPE_KEY = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
PRIVATE_KEY_HEADER = "-----BEGIN " + "RSA PRIVATE KEY-----"
HIGH_ENTROPY = base64.b64encode(hashlib.sha256(b"sentinel").digest()).decode()
ALLOW = "pragma: " + "allowlist secret"
# "pass" + "word = ..." keeps the keyword and its value apart in this file.
KEYWORD_ASSIGNMENT = "pass" + 'word = "s3cr3t-value-x"'
BASIC_AUTH_URL = "https://user:" + "pa55w0rd" + "@example.com"


def sha1(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()


def run(root: Path, jobs: int = 1, **options: Any) -> dict[str, Any]:
    return extract(ExtractContext(root=root, files=tuple(select_files(root)), options=options, jobs=jobs))


def rules_at(doc: dict[str, Any]) -> set[tuple[str, int, str]]:
    return {(f["file"], f["line"], f["rule"]) for f in doc["findings"]}


def test_aws_key_is_reported_with_rule_line_and_sha1_fingerprint(tmp_path: Path) -> None:
    write(tmp_path, "settings.py", f'DEBUG = True\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    doc = run(tmp_path)
    aws = [f for f in doc["findings"] if f["rule"] == "AWS Access Key"]
    assert [(f["file"], f["line"], f["plugin"]) for f in aws] == [("settings.py", 2, "AWSKeyDetector")]
    assert aws[0]["fingerprint"] == sha1(AWS_KEY)
    assert aws[0]["is_verified"] is False


def test_the_document_never_contains_the_secret_or_its_line(tmp_path: Path) -> None:
    line = f'token = "{GITHUB_TOKEN}"'
    write(tmp_path, "config.py", line + "\n")
    text = dumps(run(tmp_path))
    assert "GitHub Token" in text
    assert GITHUB_TOKEN not in text
    assert line not in text


def test_provider_detectors_find_their_tokens(tmp_path: Path) -> None:
    write(tmp_path, "a.js", f'const stripe = "{STRIPE_KEY}";\n')
    write(tmp_path, "id_rsa.txt", PRIVATE_KEY_HEADER + "\nMIIEowIBAAKCAQEA\n")
    found = rules_at(run(tmp_path))
    assert ("a.js", 1, "Stripe Access Key") in found
    assert ("id_rsa.txt", 1, "Private Key") in found


def test_high_entropy_quoted_string_is_found_and_unquoted_is_not(tmp_path: Path) -> None:
    write(tmp_path, "a.py", f'blob = "{HIGH_ENTROPY}"\n')
    write(tmp_path, "b.txt", f"blob {HIGH_ENTROPY} in prose\n")
    found = rules_at(run(tmp_path))
    assert ("a.py", 1, "Base64 High Entropy String") in found
    assert not any(f == "b.txt" for f, _, _ in found)


def test_keyword_assignment_is_a_secret_keyword(tmp_path: Path) -> None:
    write(tmp_path, "db.py", KEYWORD_ASSIGNMENT + "\n")
    assert ("db.py", 1, "Secret Keyword") in rules_at(run(tmp_path))


def test_allowlist_pragma_on_the_line_suppresses_the_finding(tmp_path: Path) -> None:
    write(tmp_path, "a.py", f'KEY = "{AWS_KEY}"  # {ALLOW}\n')
    assert run(tmp_path)["findings"] == []


def test_allowlist_nextline_pragma_suppresses_the_following_line(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "# pragma: " + "allowlist nextline secret\n" + f'KEY = "{AWS_KEY}"\n')
    assert run(tmp_path)["findings"] == []


def test_heuristic_filters_drop_templated_values(tmp_path: Path) -> None:
    write(tmp_path, "a.py", 'password = "${DB_PASSWORD}"\npassword = "{{ vault_password }}"\n')
    assert run(tmp_path)["findings"] == []


def test_exclude_lines_option_skips_matching_lines(tmp_path: Path) -> None:
    write(tmp_path, "a.py", f'KEY = "{AWS_KEY}"  # fixture\n')
    assert run(tmp_path, exclude_lines=[r"#\s*fixture$"])["findings"] == []


def test_disable_plugins_turns_a_detector_off(tmp_path: Path) -> None:
    write(tmp_path, "a.py", f'KEY = "{AWS_KEY}"\n')
    doc = run(tmp_path, disable_plugins=["AWSKeyDetector"])
    assert "AWSKeyDetector" not in doc["engine"]["plugins"]
    assert not any(f["rule"] == "AWS Access Key" for f in doc["findings"])


def _baseline(results: dict[str, list[dict[str, Any]]], **extra: Any) -> str:
    return json.dumps({"version": "1.5.0", "results": results, **extra}, indent=2)


def test_findings_in_the_baseline_are_marked_and_new_ones_are_not(tmp_path: Path) -> None:
    write(tmp_path, "a.py", f'KEY = "{AWS_KEY}"\n')
    write(tmp_path, "b.py", f'TOKEN = "{GITHUB_TOKEN}"\n')
    write(
        tmp_path,
        ".secrets.baseline",
        _baseline(
            {
                "a.py": [
                    {
                        "type": "AWS Access Key",
                        "filename": "a.py",
                        "hashed_secret": sha1(AWS_KEY),
                        "is_verified": False,
                        "line_number": 7,
                    }
                ],
            }
        ),
    )
    doc = run(tmp_path)
    marks = {(f["file"], f["rule"]): f["in_baseline"] for f in doc["findings"]}
    assert marks[("a.py", "AWS Access Key")] is True
    assert marks[("b.py", "GitHub Token")] is False
    assert doc["baseline"]["file"] == ".secrets.baseline"
    assert doc["totals"]["new"] == len(doc["findings"]) - 1


def test_filter_mode_leaves_baseline_findings_out(tmp_path: Path) -> None:
    write(tmp_path, "a.py", f'KEY = "{AWS_KEY}"\n')
    write(
        tmp_path,
        "known.baseline",
        _baseline(
            {
                "a.py": [{"type": "AWS Access Key", "hashed_secret": sha1(AWS_KEY), "line_number": 1}],
            }
        ),
    )
    doc = run(tmp_path, baseline="known.baseline", baseline_mode="filter")
    assert not any(f["rule"] == "AWS Access Key" for f in doc["findings"])


def test_a_configured_baseline_that_is_missing_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.py", f'KEY = "{AWS_KEY}"\n')
    with pytest.raises(ExtractorError, match=r"configured baseline not found: audit/secrets\.baseline"):
        run(tmp_path, baseline="audit/secrets.baseline")


def test_the_default_baseline_may_be_absent(tmp_path: Path) -> None:
    write(tmp_path, "a.py", f'KEY = "{AWS_KEY}"\n')
    assert {f["rule"] for f in run(tmp_path)["findings"]} == {"AWS Access Key"}


def test_baseline_settings_choose_the_plugins(tmp_path: Path) -> None:
    write(tmp_path, "a.py", f'KEY = "{AWS_KEY}"\nTOKEN = "{GITHUB_TOKEN}"\n')
    write(
        tmp_path,
        ".secrets.baseline",
        _baseline({}, plugins_used=[{"name": "GitHubTokenDetector"}], filters_used=[]),
    )
    doc = run(tmp_path)
    assert doc["engine"]["plugins"] == ["GitHubTokenDetector"]
    assert {f["rule"] for f in doc["findings"]} == {"GitHub Token"}


def test_baseline_custom_plugin_from_a_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "evil.py", "raise SystemExit('ran repository code')\n")
    write(
        tmp_path,
        ".secrets.baseline",
        _baseline({}, plugins_used=[{"name": "AWSKeyDetector"}, {"name": "Evil", "path": "file://evil.py"}]),
    )
    doc = run(tmp_path)
    assert doc["engine"]["plugins"] == ["AWSKeyDetector"]
    assert any(p["code"] == "baseline" and "refused" in p["message"] for p in doc["problems"])


def test_malformed_baseline_is_a_problem_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "x = 1\n")
    write(tmp_path, ".secrets.baseline", '{\n  "results": {\n    "a.py": [,]\n  }\n}\n')
    doc = run(tmp_path)
    assert [(p["file"], p["line"], p["code"]) for p in doc["problems"]] == [
        (".secrets.baseline", 3, "baseline")
    ]
    assert doc["baseline"]["file"] is None


def test_files_with_nul_or_invalid_utf8_bytes_are_still_scanned(tmp_path: Path) -> None:
    write(tmp_path, "blob.dat", b"\x00\x01" + AWS_KEY.encode())
    write(tmp_path, "latin1.py", f'# caf\xe9\nAWS = "{AWS_KEY}"\n'.encode("latin-1"))
    write(tmp_path, "logo.png", b"\x89PNG\r\n\x1a\n\x00" + AWS_KEY.encode())
    doc = run(tmp_path)
    assert doc["problems"] == []
    assert rules_at(doc) == {("blob.dat", 1, "AWS Access Key"), ("latin1.py", 2, "AWS Access Key")}
    assert doc["totals"]["files_scanned"] == 2


def test_file_over_the_size_limit_is_scanned_in_pieces_with_its_line_numbers(tmp_path: Path) -> None:
    filler = "x = 1\n" * 5000
    write(tmp_path, "big.py", f'{filler}AWS = "{AWS_KEY}"\n{filler}token = "{GITHUB_TOKEN}"\n')
    doc = extract(ExtractContext(root=tmp_path, files=("big.py",), max_file_bytes=1000, jobs=1))
    whole = extract(ExtractContext(root=tmp_path, files=("big.py",), jobs=1))
    assert doc["problems"] == []
    assert {("big.py", 5001, "AWS Access Key"), ("big.py", 10002, "GitHub Token")} <= rules_at(doc)
    assert doc["findings"] == whole["findings"]


def test_secret_across_a_piece_boundary_of_one_long_line_is_found(tmp_path: Path) -> None:
    block = 1 << 16
    line = "a" * (block - 10) + f' "{AWS_KEY}" ' + "b" * block
    write(tmp_path, "min.js", "first\r\n" + line + "\r\nlast\n")
    doc = extract(ExtractContext(root=tmp_path, files=("min.js",), max_file_bytes=1000, jobs=1))
    assert rules_at(doc) == {("min.js", 2, "AWS Access Key")}


def test_unknown_option_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractorError, match="baselines"):
        run(tmp_path, baselines="x")


def test_results_equal_detect_secrets_own_scan(tmp_path: Path) -> None:
    """The prefilter only skips lines no plugin can flag: same findings as the library's scan_file."""
    corpus = {
        "app/settings.py": (
            f'AWS = "{AWS_KEY}"\n{KEYWORD_ASSIGNMENT}\nURL = "{BASIC_AUTH_URL}"\n'
        ),
        "app/keys.ts": (
            f'const t = "{GITHUB_TOKEN}";\nconst s = "{STRIPE_KEY}";\nconst h = "{HIGH_ENTROPY}";\n'
        ),
        "conf/app.yaml": f"db:\n  password: hunter2hunter2\n  token: {HIGH_ENTROPY}\n",
        "conf/app.ini": f"[main]\nsecret = {HIGH_ENTROPY}\nhexkey = 8f14e45fceea167a5a36dedd4bea2543\n",
        "notes.md": "Server at 203.0.113.7 and 8.8.8.8:53, key " + "AC" + "0" * 4 + "f" * 28 + "\n",
        "plain.go": 'package main\nconst apiKey = "' + "ab12" * 8 + '"\nfunc main() {}\n',
    }
    for rel, text in corpus.items():
        write(tmp_path, rel, text)
    ours = {(f["file"], f["rule"], f["fingerprint"], f["line"]) for f in run(tmp_path)["findings"]}
    theirs: dict[tuple[str, str, str], int] = {}
    with default_settings():
        for rel in corpus:
            for secret in ds_scan.scan_file(str(tmp_path / rel)):
                key = (rel, secret.type, secret.secret_hash)
                theirs[key] = min(secret.line_number, theirs.get(key, secret.line_number))
    assert ours == {(*k, line) for k, line in theirs.items()}
    assert len(ours) >= 8


def test_output_is_byte_identical_across_runs_and_worker_counts(tmp_path: Path) -> None:
    for i in range(210):
        body = f'KEY = "{AWS_KEY}"\n' if i % 50 == 0 else f"value_{i} = {i}\n"
        write(tmp_path, f"pkg/m{i:03}.py", body)
    first = dumps(run(tmp_path, jobs=1))
    assert dumps(run(tmp_path, jobs=1)) == first
    assert dumps(run(tmp_path, jobs=2)) == first


def test_document_matches_its_schema(
    tmp_path: Path, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    write(tmp_path, "a.py", f'KEY = "{AWS_KEY}"\n')
    write(
        tmp_path,
        ".secrets.baseline",
        _baseline(
            {
                "a.py": [{"type": "AWS Access Key", "hashed_secret": sha1(AWS_KEY), "is_secret": True}],
            },
            plugins_used=[{"name": "Base64HighEntropyString", "limit": 99}],
        ),
    )
    doc = run(tmp_path)
    assert doc["findings"] and doc["problems"]
    validate_document(doc)


def test_required_literals_come_from_the_pattern() -> None:
    assert required_literals(re.compile(r"(ghp|gho)_[A-Za-z0-9_]{36}")) == {"ghp_", "gho_"}
    assert required_literals(re.compile(r"xox(?:a|b)-\d+", re.IGNORECASE)) == {"xoxa-", "xoxb-"}
    assert required_literals(re.compile(r"(?:foo)?[0-9]{8}")) is None


def test_unusable_baseline_settings_fall_back_to_defaults_with_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "a.py", f'KEY = "{AWS_KEY}"\n')
    write(
        tmp_path,
        ".secrets.baseline",
        _baseline(
            {},
            plugins_used=[{"name": "Base64HighEntropyString", "limit": 99}],
            filters_used=[{"path": "detect_secrets.filters.regex.should_exclude_line", "pattern": ["[oops"]}],
        ),
    )
    doc = run(tmp_path)
    messages = [p["message"] for p in doc["problems"] if p["code"] == "baseline"]
    assert any("pattern" in m for m in messages)
    assert any("cannot be used" in m for m in messages)
    assert "AWSKeyDetector" in doc["engine"]["plugins"]
    assert any(f["rule"] == "AWS Access Key" for f in doc["findings"])


def test_importing_the_scanner_leaves_configparser_line_numbers_intact() -> None:
    """detect-secrets patches configparser on import; our INI input parser still names the line."""
    import configparser

    import sentinel.extractors.secrets.engine  # noqa: F401  (the import is the behaviour under test)

    parser = configparser.ConfigParser()
    try:
        parser.read_string("[s]\na = 1\njust words\n")
    except configparser.ParsingError as exc:
        assert exc.errors and exc.errors[0][0] == 3
    else:
        raise AssertionError("a line that is not a key must be a parsing error")


@pytest.mark.parametrize(("secret", "shown"), [
    (AWS_KEY, "AKIA****"),
    (GITHUB_TOKEN, "ghp_****"),
    (STRIPE_KEY, "sk_l****"),
    (HIGH_ENTROPY, HIGH_ENTROPY[:4] + "****"),
])
def test_mask_secrets_keeps_at_most_four_leading_characters(secret: str, shown: str) -> None:
    masked = mask_secrets(f"rotate {secret} next week")
    assert masked == f"rotate {shown} next week"
    assert secret not in masked


def test_mask_secrets_masks_keyword_values_and_leaves_plain_text_alone() -> None:
    assert "s3cr3t-value-x" not in mask_secrets(KEYWORD_ASSIGNMENT)
    plain = "fix the cache eviction (see #12) when the tenant goes"
    assert mask_secrets(plain) == plain


def test_problem_messages_are_masked_by_the_extract_stage() -> None:
    doc = {"kind": "x", "problems": [{"file": "a.env", "line": 2, "code": "syntax",
                                      "message": f"cannot parse {AWS_KEY!r}"}]}
    assert mask_problems(doc)["problems"][0]["message"] == "cannot parse 'AKIA****'"


COMMIT = sha1("a commit")  # 40 lowercase hex digits, as git writes a revision
HEX_TOKEN = hashlib.sha1(b"an api token").hexdigest()


def test_the_commit_id_crates_io_writes_in_cargo_vcs_info_is_not_a_secret(tmp_path: Path) -> None:
    write(tmp_path, "tower/.cargo_vcs_info.json",
          '{\n  "git": {\n    "sha1": "' + COMMIT + '"\n  },\n  "path_in_vcs": "tower"\n}')
    write(tmp_path, "tower/src/lib.rs", "pub fn f() {}\n")
    assert run(tmp_path)["findings"] == []


def test_a_hex_commit_id_under_a_revision_key_is_not_a_secret(tmp_path: Path) -> None:
    write(tmp_path, "build.py", f'GIT_COMMIT = "{COMMIT}"\nbuild = {{"revision": "{COMMIT}"}}\n')
    write(tmp_path, "deps.yaml", f'pinned:\n  rev: "{COMMIT}"\n  commit_sha: "{COMMIT}"\n')
    assert run(tmp_path)["findings"] == []


def test_the_same_hex_value_under_another_key_is_still_found(tmp_path: Path) -> None:
    write(tmp_path, "client.py", f'API_TOKEN = "{HEX_TOKEN}"\nprevious = "{COMMIT}"\n')
    assert rules_at(run(tmp_path)) == {("client.py", 1, "Hex High Entropy String"),
                                       ("client.py", 2, "Hex High Entropy String")}


def test_a_value_that_is_not_a_commit_id_in_a_vcs_metadata_file_is_still_found(tmp_path: Path) -> None:
    write(tmp_path, ".cargo_vcs_info.json", f'{{"git": {{"sha1": "{COMMIT}"}}, "token": "{AWS_KEY}"}}\n')
    assert {rule for _, _, rule in rules_at(run(tmp_path))} == {"AWS Access Key"}


def _detect_secrets_scan(root: Path, files: list[str]) -> set[tuple[str, str, str, int]]:
    """detect-secrets' own ``scan_file``, one finding per (file, type, secret) at its first line."""
    first: dict[tuple[str, str, str], int] = {}
    with default_settings():
        for rel in files:
            for secret in ds_scan.scan_file(str(root / rel)):
                key = (rel, secret.type, secret.secret_hash)
                first[key] = min(secret.line_number, first.get(key, secret.line_number))
    return {(*k, line) for k, line in first.items()}


def test_patterns_cut_to_their_first_literal_find_the_same_secrets_as_detect_secrets(tmp_path: Path) -> None:
    telegram = "1234567" + "89:" + "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
    discord = "MTk4NjIyNDgzNDcxOTI1MjQ4" + ".Cl2FMQ." + "ZnCjm1XVW7vRze4b7Cq4se7kKWs"
    corpus = {
        "net.md": "See a.b.c.\nServer at 93.184.216.34 and 10.0.0.1, version 1.2.\n",
        "bot.py": f"x: int = 1\nTOKEN = '{telegram}'\n",
        "chat.js": f"obj.a.b();\nconst t = '{discord}';\n",
        "keys.py": "".join(f"primary_key_{i} = True\n" for i in range(50)) + KEYWORD_ASSIGNMENT + "\n",
    }
    for rel, text in corpus.items():
        write(tmp_path, rel, text)
    ours = {(f["file"], f["rule"], f["fingerprint"], f["line"]) for f in run(tmp_path)["findings"]}
    theirs = _detect_secrets_scan(tmp_path, list(corpus))
    assert ours == theirs
    assert {(file, line) for file, _, _, line in ours} >= {("bot.py", 2), ("chat.js", 2)}


def test_whole_text_pattern_starts_at_the_first_literal_and_stays_a_superset() -> None:
    octet = r"(?:25[0-5]|1?[0-9]?[0-9])"
    ip = re.compile(rf"(?<![\w.])((?!10\.)(?:{octet}\.){{3}}{octet})(?![\w.])")
    cut = whole_text_pattern(ip)
    match = cut.search("host 8.8.8.8\n")
    assert match is not None and match.start() == 6  # the first dot, not the first digit
    for text in ("8.8.8.8", "10.0.0.1", "x 1.2.3", "a.b.c.d", "v1.2.3.4", "999.1.1.1 "):
        assert cut.search(text) is not None or ip.search(text) is None
    quoted = re.compile(r"([\'\"])[0-9a-f]{9,}\1")
    assert whole_text_pattern(quoted).search("x = '0123456789'").start() == 4  # a back-reference: kept whole
