"""The findings baseline: known failures, committed with a reason each, that no longer block.

``sentinel baseline create`` records every blocking finding of a run in ``.sentinel-baseline.json``
(fingerprints from ``sentinel.fingerprint``, so a line moving does not make a finding new);
``sentinel check`` then reports a failure whose fingerprint is in the baseline as an exception
(conftest's shape for "suppressed", with ``metadata.baselined: true`` and the reason), so an
existing repository starts green and only new findings block. ``update`` drops fixed findings and
keeps the reasons of the rest; it adds new findings only when asked (``--add-new``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sentinel.errors import SentinelError
from sentinel.fingerprint import located, result_fingerprints
from sentinel.runner.results import CheckResult, Result
from sentinel.safe_write import Place, write_file

DEFAULT_BASELINE = ".sentinel-baseline.json"
FORMAT_KEY = "sentinel_baseline"
FORMAT_VERSION = 1
DEFAULT_REASON = "existing when the baseline was created"
MAX_BASELINE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule: str
    file: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"fingerprint": self.fingerprint, "rule": self.rule, "file": self.file, "reason": self.reason}


def load(path: Path) -> dict[str, Entry]:
    """The baseline at ``path``; SentinelError (exit 2) when it is missing or malformed."""
    shown = str(path)
    try:
        if path.is_symlink() or not path.is_file():
            raise SentinelError("configured findings baseline not found (create it with "
                                "`sentinel baseline create`)", file=shown)
        if path.stat().st_size > MAX_BASELINE_BYTES:
            raise SentinelError(f"findings baseline is larger than {MAX_BASELINE_BYTES} bytes", file=shown)
        raw = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SentinelError(f"cannot read the findings baseline: {exc}", file=shown) from exc
    if not isinstance(raw, dict) or raw.get(FORMAT_KEY) != FORMAT_VERSION or not isinstance(
        raw.get("findings"), list
    ):
        raise SentinelError(
            f"not a Sentinel findings baseline (needs {FORMAT_KEY}: {FORMAT_VERSION} and a findings list)",
            file=shown,
        )
    entries: dict[str, Entry] = {}
    for number, item in enumerate(raw["findings"], 1):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(key), str) for key in ("fingerprint", "rule", "file", "reason")
        ):
            raise SentinelError(
                f"findings[{number}] needs string fingerprint, rule, file and reason", file=shown
            )
        entries[item["fingerprint"]] = Entry(item["fingerprint"], item["rule"], item["file"], item["reason"])
    return entries


def entries_of(results: list[CheckResult], root: Path, reason: str = DEFAULT_REASON) -> dict[str, Entry]:
    """An entry for every failure of a run."""
    failures = [item for result in results for item in result.failures]
    out: dict[str, Entry] = {}
    for item, fingerprint in zip(failures, result_fingerprints(failures, root), strict=True):
        where = located(item)
        out[fingerprint] = Entry(fingerprint, where.rule, where.file, reason)
    return out


def updated(old: dict[str, Entry], now: dict[str, Entry], add_new: bool) -> dict[str, Entry]:
    """Fixed findings leave; the rest keep their reasons; new ones come in only with ``add_new``."""
    kept = {fp: old[fp] for fp in now if fp in old}
    if add_new:
        kept.update({fp: entry for fp, entry in now.items() if fp not in old})
    return kept


def write(path: Path, entries: dict[str, Entry], place: Place) -> None:
    document: dict[str, Any] = {
        FORMAT_KEY: FORMAT_VERSION,
        "findings": [
            e.to_json() for e in sorted(entries.values(), key=lambda e: (e.file, e.rule, e.fingerprint))
        ],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_file(path, text.encode("utf-8"), place, replaceable=_is_baseline)


def _is_baseline(data: bytes) -> bool:
    try:
        raw = json.loads(data)
    except ValueError:
        return False
    return isinstance(raw, dict) and FORMAT_KEY in raw


def apply(results: list[CheckResult], entries: dict[str, Entry], root: Path) -> list[CheckResult]:
    """Failures in the baseline become exceptions (reported, not blocking)."""
    failures = [(ri, item) for ri, result in enumerate(results) for item in result.failures]
    prints = result_fingerprints([item for _, item in failures], root)
    baselined: dict[int, list[Result]] = {}
    keep: dict[int, list[Result]] = {}
    for (ri, item), fingerprint in zip(failures, prints, strict=True):
        entry = entries.get(fingerprint)
        if entry is None:
            keep.setdefault(ri, []).append(item)
        else:
            meta = {**item.metadata, "baselined": True, "baseline_reason": entry.reason}
            baselined.setdefault(ri, []).append(replace(item, metadata=meta))
    return [
        replace(
            result,
            failures=keep.get(ri, []),
            exceptions=[*result.exceptions, *baselined.get(ri, [])],
        )
        if ri in keep or ri in baselined
        else result
        for ri, result in enumerate(results)
    ]


def baselined_count(results: list[CheckResult]) -> int:
    return sum(1 for r in results for item in r.exceptions if item.metadata.get("baselined"))
