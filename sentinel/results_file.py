"""The results file ``sentinel check --results-file`` writes and ``sentinel gate`` trusts.

A bare conftest list proves nothing: ``[]`` committed to the repository, or left over from an
earlier run, reads as "no findings". So the file wraps the conftest-JSON results in a run record::

    {"sentinel_run": {"format": 1, "sentinel_version": ..., "engine": ..., "revision": <git HEAD>,
                      "policy_hash": "sha256:...", "inputs": {<input name>: "sha256:..."},
                      "complete": true, "notices": [<one line each, e.g. a rule not configured>]},
     "results": [<conftest JSON results>]}

``results`` stays conftest's shape for other tools (``jq .results``). The gate accepts the file
only when the record is there and complete, was written by this Sentinel version, names the
revision checked out now (a committed file cannot name the commit that contains it), and at
least one input was evaluated. ``check`` removes an old results file before it starts, so a
check that fails leaves no file and the gate reports results missing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from sentinel import __version__
from sentinel.errors import SentinelError
from sentinel.runner.engine import PolicySource
from sentinel.runner.results import CheckResult
from sentinel.safe_write import Place, remove_file, write_file

FORMAT = 1
RECORD_KEY = "sentinel_run"
ENGINE_DISTRIBUTION = "gordon-to-regorus"
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_REVISION = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
NOTHING_EVALUATED = "no input was evaluated: a gate over nothing cannot pass"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def checked_out_revision(root: Path) -> str | None:
    """HEAD of the git work tree that contains ``root`` (also from a subfolder), or None.

    One hardened ``git rev-parse`` (see ``gitrepo``): GitPython costs more to import than the call.
    """
    from sentinel.extractors import gitrepo

    return gitrepo.head_revision(root)


def engine_version() -> str:
    try:
        return f"{ENGINE_DISTRIBUTION} {metadata.version(ENGINE_DISTRIBUTION)}"
    except metadata.PackageNotFoundError:
        return f"{ENGINE_DISTRIBUTION} unknown"


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def policy_hash(policies: list[PolicySource], data: dict[str, Any]) -> str:
    """One digest of what was evaluated: each policy file's path and content, and the merged data."""
    files = sorted([p.path, sha256(p.text.encode("utf-8"))] for p in policies)
    return sha256(_canonical({"policies": files, "data": sha256(_canonical(data))}))


@dataclass(frozen=True)
class RunRecord:
    revision: str | None
    policy_hash: str
    inputs: dict[str, str] = field(default_factory=dict)
    sentinel_version: str = __version__
    engine: str = field(default_factory=engine_version)
    complete: bool = True
    format: int = FORMAT
    # One line each about the run rather than a finding ("<rule>: not configured, needs data.<key>").
    notices: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "sentinel_version": self.sentinel_version,
            "engine": self.engine,
            "revision": self.revision,
            "policy_hash": self.policy_hash,
            "inputs": dict(sorted(self.inputs.items())),
            "complete": self.complete,
            "notices": list(self.notices),
        }

    @classmethod
    def from_json(cls, raw: Any, source: str) -> RunRecord:
        if not isinstance(raw, dict):
            raise SentinelError(f"{RECORD_KEY} must be an object", file=source)

        def need(key: str, kind: type | tuple[type, ...]) -> Any:
            value = raw.get(key)
            if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
                raise SentinelError(f"{RECORD_KEY}.{key} is missing or of the wrong type", file=source)
            return value

        inputs = need("inputs", dict)
        if not all(isinstance(k, str) and isinstance(v, str) and _DIGEST.match(v) for k, v in inputs.items()):
            raise SentinelError(f"{RECORD_KEY}.inputs must map input names to sha256 digests", file=source)
        revision = raw.get("revision")
        if revision is not None and not (isinstance(revision, str) and _REVISION.match(revision)):
            raise SentinelError(f"{RECORD_KEY}.revision must be a git commit sha or null", file=source)
        notices = raw.get("notices", [])
        if not isinstance(notices, list) or not all(isinstance(n, str) for n in notices):
            raise SentinelError(f"{RECORD_KEY}.notices must be a list of strings", file=source)
        digest = need("policy_hash", str)
        if not _DIGEST.match(digest):
            raise SentinelError(f"{RECORD_KEY}.policy_hash must be a sha256 digest", file=source)
        return cls(
            revision=revision,
            policy_hash=digest,
            inputs=inputs,
            sentinel_version=need("sentinel_version", str),
            engine=need("engine", str),
            complete=need("complete", bool),
            format=need("format", int),
            notices=tuple(notices),
        )


def document(record: RunRecord, results: list[CheckResult]) -> dict[str, Any]:
    return {RECORD_KEY: record.to_json(), "results": [r.to_json() for r in results]}


def is_results_file(data: bytes) -> bool:
    """Whether an existing file may be replaced or removed as an old results file: empty, a
    conftest JSON list, or a file with a run record. Anything else is someone else's file."""
    if not data.strip():
        return True
    try:
        raw = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(raw, list) or (isinstance(raw, dict) and RECORD_KEY in raw)


def remove_stale(path: Path, place: Place) -> bool:
    """Remove an earlier results file before a check starts (refused for symlinks and foreign files)."""
    return remove_file(path, place, is_results_file)


def write(path: Path, record: RunRecord, results: list[CheckResult], place: Place) -> None:
    text = json.dumps(document(record, results), indent="\t", ensure_ascii=False) + "\n"
    write_file(path, text.encode("utf-8"), place, replaceable=is_results_file)


def require_evaluated(results: list[CheckResult], source: str) -> None:
    if not results:
        raise SentinelError(NOTHING_EVALUATED, file=source)


def verify(raw: Any, source: str, revision: str | None, check_revision: bool) -> Any:
    """The conftest results inside a results file, once its run record holds; SentinelError if not.

    ``revision`` is the commit checked out now (None outside git); with ``check_revision`` the
    record must name it.
    """
    if isinstance(raw, list):
        raise SentinelError(
            "results file holds a bare conftest list and no run record; "
            "the gate reads only what `sentinel check --results-file` wrote in this run",
            file=source,
        )
    if not isinstance(raw, dict) or RECORD_KEY not in raw:
        raise SentinelError(
            f"not a Sentinel results file (no {RECORD_KEY} record); "
            "write it with `sentinel check --results-file` in this run",
            file=source,
        )
    record = RunRecord.from_json(raw[RECORD_KEY], source)
    if record.format != FORMAT:
        raise SentinelError(f"results file format {record.format} is not {FORMAT}", file=source)
    if not record.complete:
        raise SentinelError("the run that wrote these results did not complete", file=source)
    if record.sentinel_version != __version__:
        raise SentinelError(
            f"results were written by Sentinel {record.sentinel_version}; this is Sentinel {__version__}",
            file=source,
        )
    if check_revision and revision is not None and record.revision != revision:
        raise SentinelError(
            f"results are for revision {record.revision or 'none'}, but {revision} is checked out; "
            "run `sentinel check --results-file` on this checkout",
            file=source,
        )
    if not record.inputs:
        raise SentinelError(NOTHING_EVALUATED, file=source)
    results = raw.get("results")
    if not isinstance(results, list):
        raise SentinelError("results must be a JSON list of {filename, namespace, ...} objects", file=source)
    if not results:
        raise SentinelError(NOTHING_EVALUATED, file=source)
    named = {str(item["filename"]) for item in results if isinstance(item, dict) and "filename" in item}
    unknown = sorted(named - set(record.inputs))
    if unknown:
        raise SentinelError(f"results name inputs the run record does not list: {unknown[0]}", file=source)
    return results
