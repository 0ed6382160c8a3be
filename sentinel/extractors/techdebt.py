"""``techdebt`` kind: the technical-debt registry, one Markdown file per item with YAML front matter.

Each file under ``paths`` starts with front matter between ``---`` lines::

    ---
    id: TD-12
    title: Orders cache has no tenant prefix
    severity: high          # one of ``severities``
    owner: team-orders
    created: 2024-05-01
    ttl: 90d                # or: expires: 2024-08-01
    status: open
    ---
    Free text.

Per item: file, line (where the front matter starts), every field (dates as ISO strings, under
``fields``), the usual fields on their own, ``expires`` (``created + ttl`` when a ttl is given,
else the ``expires`` field) and ``errors``: missing id/severity/owner, missing ttl-or-expires, a bad
date or ttl, an unknown severity, a duplicate id. Whether an item has expired is for the policy to
decide against ``time.now_ns()``: the document has no clock in it, so the same tree always gives
the same document. For tests and reproducible runs, option ``today`` (an ISO date) adds
``expired`` and ``days_left`` per item.

Options (``extract.options.techdebt``):

- ``paths`` (``["technical_debt/**/*.md"]``): gitwildmatch globs of registry files.
- ``severities`` (``["low", "medium", "high", "critical"]``).
- ``today`` (none): ISO date used for ``expired`` / ``days_left``.

Malformed or missing front matter is a problem with file and line, and the file gives no item.
``ttl`` is a number of days, or ``<n>d`` / ``<n>w`` (days, weeks).

The front-matter reader is shared with the ``statemachines`` kind. It is hand-written (a dozen
lines around PyYAML) because the ``python-frontmatter`` package does not report line numbers,
which every problem and item here needs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import yaml

from sentinel.extractors.base import ExtractContext, PerFile, document, problem, read_source
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.selection import matching

KIND = "techdebt"
DEFAULT_PATHS = ["technical_debt/**/*.md"]
DEFAULT_SEVERITIES = ["low", "medium", "high", "critical"]
_FENCE = re.compile(r"^(---|\.\.\.)\s*$")
_TTL = re.compile(r"^\s*(\d+)\s*([dw]?)\s*$", re.IGNORECASE)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, but dates stay strings: ``2024-13-01`` must be a reported bad date, not a
    ``ValueError`` out of the loader; fields are turned into dates where they are read."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class FrontMatter:
    """YAML front matter of a Markdown file: data, its node tree (for line numbers) and the body."""

    data: Any = None
    node: yaml.Node | None = None
    first_line: int = 1
    body: str = ""
    body_first_line: int = 1
    present: bool = False
    problems: list[dict[str, Any]] = field(default_factory=list)


def read_front_matter(rel: str, text: str) -> FrontMatter:
    """Split ``---``-fenced YAML from the start of ``text`` and parse it (safe loader)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return FrontMatter(body=text)
    end = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
    if end is None:
        return FrontMatter(
            present=True,
            body=text,
            problems=[
                problem(
                    rel,
                    "front matter starts with '---' but has no closing '---'",
                    line=1,
                    code="front_matter",
                )
            ],
        )
    yaml_text = "\n".join(lines[1:end])
    fm = FrontMatter(present=True, first_line=1, body="\n".join(lines[end + 1 :]), body_first_line=end + 2)
    try:
        fm.node = yaml.compose(yaml_text, Loader=_Loader)
        fm.data = yaml.load(yaml_text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        fm.problems.append(
            problem(rel, f"malformed YAML front matter: {reason}", line=line, code="front_matter")
        )
        fm.data, fm.node = None, None
    except (ValueError, TypeError, RecursionError) as exc:
        fm.problems.append(problem(rel, f"malformed YAML front matter: {exc}", line=2, code="front_matter"))
        fm.data, fm.node = None, None
    return fm


def node_line(node: yaml.Node | None, offset: int = 1) -> int:
    """1-based file line of a node from ``read_front_matter`` (front matter YAML starts on line 2)."""
    return (node.start_mark.line + 1 + offset) if node is not None else offset


def mapping_value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def jsonable(value: Any) -> Any:
    """YAML data as JSON: dates as ISO strings, keys as strings."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _option_error(name: str, message: str) -> ExtractorError:
    return ExtractorError(f"extract.options.techdebt.{name}: {message}")


def _date(value: Any) -> dt.date | None:
    """A date from YAML (already a date) or an ISO string; raises ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise ValueError(f"not a date: {value!r}")


def _ttl_days(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("not a ttl")
    if isinstance(value, int):
        days = value
    else:
        m = _TTL.match(str(value))
        if m is None:
            raise ValueError(f"not a ttl: {value!r} (use days, '<n>d' or '<n>w')")
        days = int(m.group(1)) * (7 if m.group(2).lower() == "w" else 1)
    if days < 0:
        raise ValueError(f"ttl must not be negative: {value!r}")
    return days


def _text_field(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    return str(jsonable(value))


def _item(rel: str, fm: FrontMatter, severities: Sequence[str], today: dt.date | None) -> dict[str, Any]:
    data: dict[str, Any] = fm.data
    errors: list[str] = []
    for key in ("id", "severity", "owner"):
        if _text_field(data, key) is None:
            errors.append(f"missing {key}")
    severity = _text_field(data, "severity")
    if severity is not None and severity not in severities:
        errors.append(f"unknown severity {severity!r}; expected one of {', '.join(severities)}")

    created: dt.date | None = None
    if data.get("created") is not None:
        try:
            created = _date(data["created"])
        except ValueError:
            errors.append(f"bad date in created: {data['created']!r} (use YYYY-MM-DD)")
    ttl_days: int | None = None
    if data.get("ttl") is not None:
        try:
            ttl_days = _ttl_days(data["ttl"])
        except ValueError as exc:
            errors.append(str(exc))
    expires_field: dt.date | None = None
    if data.get("expires") is not None:
        try:
            expires_field = _date(data["expires"])
        except ValueError:
            errors.append(f"bad date in expires: {data['expires']!r} (use YYYY-MM-DD)")
    if data.get("ttl") is None and data.get("expires") is None:
        errors.append("missing ttl or expires")

    expires: dt.date | None = None
    source: str | None = None
    if ttl_days is not None:
        if created is not None:
            expires, source = created + dt.timedelta(days=ttl_days), "ttl"
        elif data.get("created") is None:
            errors.append("ttl needs a created date")
    elif expires_field is not None:
        expires, source = expires_field, "expires"

    item: dict[str, Any] = {
        "file": rel,
        "line": fm.first_line,
        "id": _text_field(data, "id"),
        "title": _text_field(data, "title"),
        "severity": severity,
        "owner": _text_field(data, "owner"),
        "status": _text_field(data, "status"),
        "created": created.isoformat() if created else None,
        "ttl": _text_field(data, "ttl"),
        "ttl_days": ttl_days,
        "expires": expires.isoformat() if expires else None,
        "expires_from": source,
        "fields": jsonable(data),
        "errors": errors,
    }
    if today is not None:
        item["expired"] = expires is not None and expires < today
        item["days_left"] = (expires - today).days if expires is not None else None
    return item


def registry_ids(ctx: ExtractContext, paths: list[str]) -> list[str]:
    """The ids of the registry items under ``paths`` (unreadable or malformed files skipped: the
    techdebt kind reports those)."""
    ids: set[str] = set()
    for rel in matching(ctx.files, paths):
        text, _ = read_source(ctx, rel)
        if text is None:
            continue
        fm = read_front_matter(rel, text)
        if fm.problems or not fm.present or not isinstance(fm.data, dict):
            continue
        item_id = _text_field(fm.data, "id")
        if item_id is not None:
            ids.add(item_id)
    return sorted(ids)


def _read_item(severities: Sequence[str], today: dt.date | None, ctx: ExtractContext, rel: str,
               ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """One registry file's item, or the problems that keep it out."""
    text, prob = read_source(ctx, rel)
    if text is None:
        return None, [prob or problem(rel, "cannot read file")]
    fm = read_front_matter(rel, text)
    if fm.problems:
        return None, fm.problems
    if not fm.present:
        return None, [
            problem(rel, "no YAML front matter (the file must start with '---')", line=1, code="front_matter")
        ]
    if not isinstance(fm.data, dict):
        return None, [
            problem(
                rel,
                "front matter must be a mapping of fields (id, severity, owner, ...)",
                line=2,
                code="front_matter",
            )
        ]
    return _item(rel, fm, severities, today), []


def _item_failed(rel: str, prob: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    return None, [prob]


def extract(ctx: ExtractContext) -> dict[str, Any]:
    options = dict(ctx.options)
    unknown = sorted(set(options) - {"paths", "severities", "today"})
    if unknown:
        raise _option_error(unknown[0], "unknown option; choose from paths, severities, today")
    paths = options.get("paths", DEFAULT_PATHS)
    severities = options.get("severities", DEFAULT_SEVERITIES)
    for name, value in (("paths", paths), ("severities", severities)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _option_error(name, "must be a list of strings")
    today: dt.date | None = None
    if options.get("today") is not None:
        try:
            today = _date(options["today"])
        except ValueError as exc:
            raise _option_error("today", f"must be an ISO date (YYYY-MM-DD): {exc}") from exc

    items: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    read = PerFile(partial(_read_item, severities, today, ctx), str, _item_failed, ctx.file_timeout_ms)
    for rel in matching(ctx.files, paths):
        item, more = read(rel)
        problems.extend(more)
        if item is not None:
            items.append(item)

    seen: dict[str, str] = {}
    for item in sorted(items, key=lambda i: (i["file"], i["line"])):
        if item["id"] is None:
            continue
        if item["id"] in seen:
            item["errors"].append(f"duplicate id {item['id']!r} (also in {seen[item['id']]})")
        else:
            seen[item["id"]] = item["file"]
    items.sort(key=lambda i: (i["file"], i["line"]))
    by_severity: dict[str, int] = {}
    for item in items:
        key = item["severity"] or "unknown"
        by_severity[key] = by_severity.get(key, 0) + 1
    totals: dict[str, Any] = {
        "items": len(items),
        "with_errors": sum(1 for i in items if i["errors"]),
        "by_severity": dict(sorted(by_severity.items())),
    }
    if today is not None:
        totals["expired"] = sum(1 for i in items if i.get("expired"))
    return document(
        ctx,
        KIND,
        today=today.isoformat() if today else None,
        severities=list(severities),
        items=items,
        totals=totals,
        problems=problems,
    )
