"""The OPA adapter behind the engine port: the real ``opa`` binary, for what regorus lacks.

Chosen with ``--engine opa``, or implied by ``--trace``, ``--strict`` and ``--capabilities``.
One ``opa run --server`` process per engine listens on a Unix socket in a private temporary
folder; the policies are the same files the regorus adapter reads and the data is the document
our loader merged, so both adapters see identical inputs. Each input costs one ad-hoc query that
reads every wanted rule (``data.conftest.file`` is bound with ``with``, as conftest stores it).
``verify`` runs ``opa test --format json`` once. The server is stopped by :meth:`OpaEngine.close`
or, at the latest, when the engine is garbage collected or the interpreter exits.
"""

from __future__ import annotations

import base64
import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sentinel.errors import PolicyError, UsageError
from sentinel.runner.engine import PolicySource, TestRule, rule_ref

OPA_VERSION = "1.22.4"
# Where the lines of OPA's evaluation explanation go (the CLI writes them to stderr).
TraceSink = Callable[[str], None]
INSTALL_HINT = (
    f"install it with `go install github.com/open-policy-agent/opa@v{OPA_VERSION}` (or `make tools`, "
    "which puts it in .tools/bin) and put it on PATH, or set SENTINEL_OPA to its path"
)
START_TIMEOUT_S = 30.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_POLICY_ERROR = re.compile(r"(?P<file>[^\s:]+\.rego):(?P<line>\d+):\s*(?P<msg>.+)")


def find_opa() -> str | None:
    """``$SENTINEL_OPA``, then the repository's ``.tools/bin/opa``, then ``opa`` on PATH."""
    explicit = os.environ.get("SENTINEL_OPA")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    local = Path.cwd() / ".tools" / "bin" / "opa"
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which("opa")


def require_opa(why: str) -> str:
    opa = find_opa()
    if opa is None:
        raise UsageError(f"{why} needs the opa binary, which was not found; {INSTALL_HINT}")
    return opa


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def _die_with_parent() -> None:
    """In the server's child before exec: the kernel kills the server when the process that
    started it ends, however it ends (a pool worker's exit runs no finalizers, a crash none)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _stop(proc: subprocess.Popen[bytes], workdir: str) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    shutil.rmtree(workdir, ignore_errors=True)


def _opa_error(text: str, what: str) -> PolicyError:
    """One line naming the policy file and line, from OPA's error text."""
    match = _POLICY_ERROR.search(text)
    if match:
        return PolicyError(
            f"{what}: {match.group('msg').strip()}", file=match.group("file"), line=int(match.group("line"))
        )
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return PolicyError(f"{what}: {lines[-1] if lines else 'opa failed'}")


def _response_error(body: dict[str, Any], what: str) -> PolicyError:
    for err in body.get("errors") or []:
        loc = err.get("location") or {}
        if loc.get("file"):
            return PolicyError(f"{what}: {err.get('message', '')}", file=loc["file"], line=loc.get("row"))
    errors = body.get("errors") or [body]
    return PolicyError(f"{what}: {errors[0].get('message', 'opa failed')}")


class OpaEngine:
    """The ``opa`` binary as a Rego engine; same port as :class:`RegorusEngine`."""

    def __init__(
        self,
        policies: list[PolicySource],
        data: dict[str, Any],
        rego_v0: bool = False,
        trace: TraceSink | None = None,
        opa: str | None = None,
    ) -> None:
        self.opa = opa or require_opa("the OPA engine")
        self.policies = policies
        self.rego_v0 = rego_v0
        self.trace = trace
        self.uses_file_data = any("conftest" in s.text for s in policies)
        self._workdir = tempfile.mkdtemp(prefix="sentinel-opa-")
        self._data_file = os.path.join(self._workdir, "data.json")
        with open(self._data_file, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        self._socket = os.path.join(self._workdir, "opa.sock")
        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize | None = None
        self._conn: _UnixConnection | None = None
        self._tests: dict[tuple[str, str], tuple[bool, list[str]]] | None = None
        self._start()
        self._rules, self._test_rules = self._collect_rules()

    def _flags(self) -> list[str]:
        return ["--v0-compatible"] if self.rego_v0 else []

    def _start(self) -> None:
        cmd = [
            self.opa,
            "run",
            "--server",
            "--disable-telemetry",
            "--log-level",
            "error",
            "--addr",
            f"unix://{self._socket}",
            *self._flags(),
            "--",  # paths never read as options
            self._data_file,
            *(s.path for s in self.policies),
        ]
        log = open(os.path.join(self._workdir, "opa.log"), "wb")  # noqa: SIM115
        with log:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=_die_with_parent
            )
        self._finalizer = weakref.finalize(self, _stop, self._proc, self._workdir)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                text = Path(self._workdir, "opa.log").read_text(encoding="utf-8", errors="replace")
                self.close()
                raise _opa_error(text, "cannot compile policy")
            if os.path.exists(self._socket):
                try:
                    status, _ = self._request("GET", "/health")
                except OSError:
                    status = 0
                if status == 200:
                    return
            time.sleep(0.02)
        self.close()
        raise PolicyError(f"opa did not start within {START_TIMEOUT_S:.0f} s")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._finalizer is not None:
            self._finalizer()

    def __enter__(self) -> OpaEngine:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        payload = None if body is None else json.dumps(body).encode()
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = _UnixConnection(self._socket, timeout=600)
            try:
                self._conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
                response = self._conn.getresponse()
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
            except (http.client.HTTPException, ConnectionError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _query(self, query: str, document: Any, what: str) -> list[dict[str, Any]]:
        path = "/v1/query?explain=full&pretty=true" if self.trace else "/v1/query"
        body: dict[str, Any] = {"query": query}
        if document is not None:
            body["input"] = document
        status, response = self._request("POST", path, body)
        if status != 200:
            raise _response_error(response, what)
        if self.trace:
            for line in response.get("explanation") or []:
                self.trace(str(line))
        return list(response.get("result") or [])

    def _collect_rules(self) -> tuple[dict[str, Counter[str]], list[TestRule]]:
        status, response = self._request("GET", "/v1/policies")
        if status != 200:
            raise _response_error(response, "cannot read policies")
        rules: dict[str, Counter[str]] = {}
        tests: dict[tuple[str, str], TestRule] = {}
        for module in response.get("result") or []:
            ast = module["ast"]
            namespace = ".".join(str(t["value"]) for t in ast["package"]["path"][1:])
            counter = rules.setdefault(namespace, Counter())
            for rule in ast.get("rules", []):
                if rule.get("default"):
                    continue
                head = rule["head"]
                ref = head.get("ref") or [{"value": head.get("name")}]
                name = str(ref[0]["value"])
                counter[name] += 1
                if name.startswith("test_") and (namespace, name) not in tests:
                    line = _line_of(module.get("raw", ""), name)
                    tests[(namespace, name)] = TestRule(namespace, name, module["id"], line)
        return rules, sorted(tests.values(), key=lambda t: (t.file, t.line))

    def namespaces(self) -> list[str]:
        return sorted(self._rules)

    def rule_counts(self, namespace: str) -> Counter[str]:
        return self._rules.get(namespace, Counter())

    def evaluate_rules(
        self, rules: dict[str, list[str]], document: Any, file_data: dict[str, Any] | None
    ) -> dict[str, dict[str, list[Any]]]:
        """All wanted rule values for one input in one query; non-collections read as ``[]``."""
        bind = ""
        if file_data is not None and self.uses_file_data and "conftest" in file_data:
            bind = " with data.conftest.file as __file"
        names = [(ns, rule) for ns, rule_names in rules.items() for rule in rule_names]
        lines = ["__file := input.file", "__doc := input.document"]
        lines += [
            f"r{i} := [v | v := {rule_ref(ns, rule)} with input as __doc{bind}]"
            for i, (ns, rule) in enumerate(names)
        ]
        file_info = (file_data or {}).get("conftest", {}).get("file", {})
        results = self._query(
            "\n".join(lines), {"document": document, "file": file_info}, "cannot evaluate policies"
        )
        bindings = results[0] if results else {}
        out: dict[str, dict[str, list[Any]]] = {ns: {} for ns in rules}
        for i, (ns, rule) in enumerate(names):
            found = bindings.get(f"r{i}") or []
            value = found[0] if found else None
            out[ns][rule] = value if isinstance(value, list) else []
        return out

    def query(self, query: str, document: Any = None) -> Any:
        results = self._query(f"__sentinel_value := ({query})", document, f"cannot evaluate {query}")
        return [r["__sentinel_value"] for r in results if "__sentinel_value" in r]

    def test_rules(self) -> list[TestRule]:
        return list(self._test_rules)

    def run_test(self, rule: TestRule) -> tuple[bool, list[str]]:
        """Results come from one ``opa test`` run over the same files, made on first use."""
        if self._tests is None:
            self._tests = self._run_opa_test()
        return self._tests.get((rule.namespace, rule.name), (False, []))

    def report(self, explain: str, run: str | None = None) -> str:
        """OPA's verbose test report (the reporter conftest verify --report uses), with its
        explanations filtered to ``explain`` (fails, notes or full)."""
        cmd = [
            self.opa,
            "test",
            "--verbose",
            "--explain",
            explain,
            *(["--run", run] if run else []),
            *self._flags(),
            "--",  # paths never read as options
            self._data_file,
            *(s.path for s in self.policies),
        ]
        proc = subprocess.run(cmd, capture_output=True, check=False)
        if proc.returncode not in (0, 2) or not proc.stdout:
            raise _opa_error(proc.stderr.decode(errors="replace"), "cannot run policy tests")
        return proc.stdout.decode(errors="replace")

    def _run_opa_test(self) -> dict[tuple[str, str], tuple[bool, list[str]]]:
        cmd = [
            self.opa,
            "test",
            "--format",
            "json",
            *self._flags(),
            "--",  # paths never read as options
            self._data_file,
            *(s.path for s in self.policies),
        ]
        proc = subprocess.run(cmd, capture_output=True, check=False)
        try:
            entries = json.loads(proc.stdout or b"null")
        except json.JSONDecodeError:
            entries = None
        if not isinstance(entries, list):
            raise _opa_error(
                proc.stderr.decode(errors="replace") or proc.stdout.decode(errors="replace"),
                "cannot run policy tests",
            )
        out: dict[tuple[str, str], tuple[bool, list[str]]] = {}
        for entry in entries:
            namespace = str(entry.get("package", "")).removeprefix("data.")
            raw_output = entry.get("output")
            printed = base64.b64decode(raw_output).decode(errors="replace") if raw_output else ""
            passed = not entry.get("fail") and not entry.get("error") and not entry.get("skip")
            out[(namespace, str(entry.get("name")))] = (passed, printed.splitlines())
        return out


def _line_of(text: str, name: str) -> int:
    """Line of a rule's first definition (OPA's policy API drops locations)."""
    match = re.search(rf"^{re.escape(name)}\b", text, re.MULTILINE)
    return text[: match.start()].count("\n") + 1 if match else 1
