"""The safety kind: fail-open sites in Python code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.safety import extract
from sentinel.extractors.selection import select_files

AUTHZ = """
import os


class Gate:
    def allowed(self, user, action):
        try:
            return self.policy.decide(user, action)
        except TimeoutError:
            return True

    def audited(self, user):
        try:
            self.audit.write(user)
        except Exception:
            pass
        return self.decide(user)


def decide(flags, name):
    return flags.get(name, True)


def verdict(engine, request):
    try:
        return engine.evaluate(request)
    except RuntimeError:
        return Decision(allow=True, reason="engine down")


def mode():
    return os.environ.get("AUTHZ_MODE", "allow")
"""

FAIL_CLOSED = """
def allowed(policy, user):
    try:
        return policy.decide(user)
    except TimeoutError:
        return False


def flag(flags, name):
    return flags.get(name, False)


def handled():
    try:
        risky()
    except ValueError:
        log.warning("denied")
        raise
"""


def _extract(root: Path, **options: object) -> dict:
    files = tuple(select_files(root))
    return extract(ExtractContext(root=root, files=files, options=dict(options)))


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_each_fail_open_pattern_is_found_with_its_function_and_line(
    tmp_path: Path, validate_document: Callable[..., Any]
) -> None:
    _write(tmp_path, "svc/authz.py", AUTHZ)
    doc = _extract(tmp_path)
    validate_document(doc)
    found = {(s["pattern"], s["function"], s["line"]) for s in doc["fail_open"]}
    assert found == {
        ("allow_on_error", "Gate.allowed", 10),
        ("swallowed_error", "Gate.audited", 15),
        ("default_allow", "decide", 21),
        ("allow_on_error", "verdict", 28),
        ("default_allow", "mode", 32),
    }


def test_fail_closed_code_has_no_sites(tmp_path: Path) -> None:
    _write(tmp_path, "svc/authz.py", FAIL_CLOSED)
    assert _extract(tmp_path)["fail_open"] == []


def test_paths_option_limits_the_scan(tmp_path: Path) -> None:
    _write(tmp_path, "svc/authz.py", AUTHZ)
    _write(tmp_path, "other/authz.py", AUTHZ)
    doc = _extract(tmp_path, paths=["svc/**"])
    assert {s["file"] for s in doc["fail_open"]} == {"svc/authz.py"}
    assert doc["files_scanned"] == 1


def test_allow_values_option_changes_what_counts_as_allowing(tmp_path: Path) -> None:
    _write(tmp_path, "svc/mode.py", 'def m(env):\n    return env.get("MODE", "open")\n')
    assert _extract(tmp_path)["fail_open"] == []
    assert len(_extract(tmp_path, allow_values=["open"])["fail_open"]) == 1


def test_syntax_error_and_binary_file_are_problems_not_crashes(
    tmp_path: Path, validate_document: Callable[..., Any]
) -> None:
    _write(tmp_path, "svc/broken.py", "def f(:\n    try: x()\n    except ValueError: pass\n")
    (tmp_path / "svc" / "blob.py").write_bytes(b"\x00\x01except True")
    doc = _extract(tmp_path)
    validate_document(doc)
    codes = {(p["file"], p["code"], p["line"]) for p in doc["problems"]}
    assert ("svc/broken.py", "syntax", 1) in codes
    assert any(f == "svc/blob.py" and c == "binary" for f, c, _ in codes)


def test_output_is_byte_identical_on_two_runs(tmp_path: Path) -> None:
    _write(tmp_path, "svc/authz.py", AUTHZ)
    _write(tmp_path, "svc/b.py", AUTHZ)
    first = json.dumps(_extract(tmp_path), sort_keys=True)
    assert json.dumps(_extract(tmp_path), sort_keys=True) == first


def test_files_without_fail_open_text_are_not_parsed(tmp_path: Path) -> None:
    """The text prefilter skips files that cannot hold a site, so their syntax is not checked."""
    _write(tmp_path, "svc/plain.py", "def f(:\n    return 1\n")
    doc = _extract(tmp_path)
    assert doc["problems"] == [] and doc["fail_open"] == []


def test_same_line_handler_and_parenthesised_values_are_found(tmp_path: Path) -> None:
    source = (
        "def f(x):\n    try: x()\n    except ValueError: pass\n\n\n"
        "def g(m):\n    return m.get('k', (True))\n"
    )
    _write(tmp_path, "svc/a.py", source)
    found = {(s["pattern"], s["function"]) for s in _extract(tmp_path)["fail_open"]}
    assert found == {("swallowed_error", "f"), ("default_allow", "g")}


ENUM_ALLOW = """\
import enum


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"


def decide(engine, request):
    try:
        return engine.evaluate(request)
    except Exception:
        return Decision.ALLOW


def lookup(rules, name):
    return rules.get(name, Decision.PERMIT)


def strict(engine, request, settings):
    try:
        return engine.evaluate(request)
    except Exception:
        return settings.allow
"""


def test_enum_member_named_allow_or_permit_is_an_allowing_value(tmp_path: Path) -> None:
    _write(tmp_path, "svc/policy.py", ENUM_ALLOW)
    found = {(s["pattern"], s["function"], s["line"]) for s in _extract(tmp_path)["fail_open"]}
    assert found == {("allow_on_error", "decide", 13), ("default_allow", "lookup", 17)}


RUST_AUTH = """\
impl Gate {
    pub fn allowed(&self, token: &str) -> bool {
        verify(token).unwrap_or(true)
    }

    pub fn check(&self, token: &str) -> Result<bool, Error> {
        match verify(token) {
            Ok(claims) => Ok(claims.admin),
            Err(_) => Ok(true),
        }
    }

    pub fn decide(&self, req: &Request) -> Decision {
        self.engine.eval(req).unwrap_or_else(|_| Decision::Allow)
    }

    pub fn strict(&self, token: &str) -> bool {
        verify(token).unwrap_or(false)
    }
}

fn lenient(token: &str) -> bool {
    verify(token).unwrap_or_else(|_| true)
}

fn quota(r: Result<u32, E>) -> bool {
    match r {
        Err(e) => {
            log(e);
            true
        }
        Ok(n) => n < 10,
    }
}

fn closed(r: Result<bool, E>) -> Result<bool, E> {
    match r {
        Err(_) => Ok(false),
        ok => ok,
    }
}
"""


def test_rust_true_fallbacks_and_err_arms_fail_open(
    tmp_path: Path, validate_document: Callable[..., Any]
) -> None:
    _write(tmp_path, "src/auth/verify.rs", RUST_AUTH)
    doc = _extract(tmp_path)
    validate_document(doc)
    found = {(s["pattern"], s["function"], s["line"]) for s in doc["fail_open"]}
    assert found == {
        ("default_allow", "Gate.allowed", 3),
        ("allow_on_error", "Gate.check", 9),
        ("default_allow", "Gate.decide", 14),
        ("default_allow", "lenient", 23),
        ("allow_on_error", "quota", 28),
    }
    detail = next(s["detail"] for s in doc["fail_open"] if s["line"] == 3)
    assert detail == "verify(token).unwrap_or(true) defaults to allowing"


CLOSED_FALLBACK = """\
def mapped_bytes():
    try:
        with open("/proc/self/status") as status:
            return int(status.read().split()[1])
    except OSError:
        pass
    return 0


def lenient(token):
    try:
        verify(token)
    except Exception:
        pass
    return True


def strict(token):
    try:
        return verify(token)
    except ValueError:
        pass
    raise PermissionError(token)
"""


def test_swallowed_error_followed_by_a_closed_fallback_is_not_a_site(tmp_path: Path) -> None:
    _write(tmp_path, "svc/limits.py", CLOSED_FALLBACK)
    found = {(s["pattern"], s["function"], s["line"]) for s in _extract(tmp_path)["fail_open"]}
    assert found == {("swallowed_error", "lenient", 13)}
