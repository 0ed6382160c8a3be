"""A detect-secrets baseline (``.secrets.baseline``): known secrets and the settings that found them.

Entries are keyed as detect-secrets keys them: (file, type, hashed_secret), line numbers aside,
so a secret that moves within its file stays known. What the baseline asks of the scanner is
taken with care, because a pull request can change the file:

* plugins or filters loaded from a file (``path: file://...``) are refused: they would run
  repository code inside CI;
* the verification filter is dropped: verifying calls the providers' APIs over the network;
* the wordlist and gibberish filters need extra packages and data files and are not supported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sentinel.extractors.base import problem

DROPPED_FILTERS = frozenset({"detect_secrets.filters.common.is_ignored_due_to_verification_policies"})
UNSUPPORTED_FILTERS = frozenset(
    {
        "detect_secrets.filters.wordlist.should_exclude_secret",
        "detect_secrets.filters.gibberish.should_exclude_secret",
    }
)


REGEX_FILTER_PREFIX = "detect_secrets.filters.regex."


def _valid_patterns(value: Any) -> bool:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return False
    try:
        for pattern in value:
            re.compile(pattern)
    except re.error:
        return False
    return True


@dataclass
class Baseline:
    file: str
    entries: dict[tuple[str, str, str], bool | None] = field(default_factory=dict)
    plugins_used: list[dict[str, Any]] | None = None
    filters_used: list[dict[str, Any]] | None = None


def _line_of(text: str, needle: Any) -> int | None:
    """The first line holding ``needle`` as JSON (best effort: JSON parsers do not keep lines)."""
    at = text.find(json.dumps(needle))
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def normalise_path(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def parse(rel: str, text: str, known_plugins: set[str]) -> tuple[Baseline | None, list[dict[str, Any]]]:
    """Read baseline text; problems name the baseline file and, where it can be found, the line."""
    problems: list[dict[str, Any]] = []

    def bad(message: str, needle: Any = None, line: int | None = None) -> None:
        problems.append(problem(rel, message, line=line or _line_of(text, needle), code="baseline"))

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        bad(f"baseline is not valid JSON: {exc.msg}", line=exc.lineno)
        return None, problems
    if not isinstance(raw, dict) or not isinstance(raw.get("results"), dict):
        bad("baseline must be a JSON object with a 'results' object (a detect-secrets baseline)", line=1)
        return None, problems
    try:
        from detect_secrets.core.baseline import upgrade

        raw = upgrade(raw)
    except Exception as exc:  # the library's upgraders assume a well-formed file
        bad(f"cannot read baseline version {raw.get('version')!r}: {exc}", line=1)
        return None, problems

    base = Baseline(file=rel)
    for filename, items in sorted(raw["results"].items()):
        if not isinstance(items, list):
            bad(f"baseline results for {filename!r} must be a list", needle=filename)
            continue
        for item in items:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("type"), str)
                and isinstance(item.get("hashed_secret"), str)
            ):
                bad(
                    f"baseline entry for {filename!r} needs string 'type' and 'hashed_secret'",
                    needle=filename,
                )
                continue
            is_secret = item.get("is_secret")
            key = (normalise_path(str(filename)), item["type"], item["hashed_secret"])
            base.entries[key] = is_secret if isinstance(is_secret, bool) else None

    if "plugins_used" in raw:
        base.plugins_used = _plugins(raw["plugins_used"], known_plugins, bad)
    if "filters_used" in raw:
        base.filters_used = _filters(raw["filters_used"], bad)
    return base, problems


def _plugins(value: Any, known: set[str], bad: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not isinstance(value, list):
        bad("baseline 'plugins_used' must be a list", needle="plugins_used")
        return out
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            bad("baseline plugin entries need a 'name'", needle="plugins_used")
            continue
        name = entry["name"]
        if "path" in entry:
            bad(
                f"custom plugin {name!r} from {entry['path']!r} is refused (it would run repository code)",
                needle=entry["path"],
            )
            continue
        if name not in known:
            bad(f"unknown detect-secrets plugin {name!r} in baseline; skipped", needle=name)
            continue
        out.append(dict(entry))
    return out


def _filters(value: Any, bad: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not isinstance(value, list):
        bad("baseline 'filters_used' must be a list", needle="filters_used")
        return out
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            bad("baseline filter entries need a 'path'", needle="filters_used")
            continue
        path = entry["path"]
        if path in DROPPED_FILTERS:
            continue
        if not path.startswith("detect_secrets.filters."):
            bad(f"custom filter {path!r} is refused (it would run repository code)", needle=path)
            continue
        if path in UNSUPPORTED_FILTERS:
            bad(f"filter {path!r} is not supported (needs extra packages and data); skipped", needle=path)
            continue
        if path.startswith(REGEX_FILTER_PREFIX) and not _valid_patterns(entry.get("pattern")):
            bad(f"filter {path!r} needs 'pattern': a list of valid regular expressions; skipped", needle=path)
            continue
        out.append(dict(entry))
    return out
