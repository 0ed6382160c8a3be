"""The techdebt extractor: registry items, their expiry and what is wrong with them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.selection import select_files
from sentinel.extractors.techdebt import extract
from sentinel.inputs import dumps
from testsupport.files import write

COMPLETE = """\
---
id: TD-1
title: Orders cache has no tenant prefix
severity: high
owner: team-orders
created: 2024-01-10
ttl: 30d
status: open
links: [https://example.invalid/TD-1]
---
Details.
"""


def run(root: Path, **options: Any) -> dict[str, Any]:
    return extract(ExtractContext(root=root, files=tuple(select_files(root)), options=options))


def only_item(doc: dict[str, Any]) -> dict[str, Any]:
    assert len(doc["items"]) == 1, doc
    item: dict[str, Any] = doc["items"][0]
    return item


def item_text(**fields: Any) -> str:
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in fields.items()) + "---\n"


def test_complete_item_gets_expiry_from_created_plus_ttl(tmp_path: Path) -> None:
    write(tmp_path, "technical_debt/td-1.md", COMPLETE)
    item = only_item(run(tmp_path))
    assert (item["file"], item["line"], item["id"], item["severity"], item["owner"]) == (
        "technical_debt/td-1.md",
        1,
        "TD-1",
        "high",
        "team-orders",
    )
    assert (item["created"], item["ttl_days"], item["expires"], item["expires_from"]) == (
        "2024-01-10",
        30,
        "2024-02-09",
        "ttl",
    )
    assert item["fields"]["links"] == ["https://example.invalid/TD-1"]
    assert item["errors"] == []


def test_no_clock_in_the_document_without_today(tmp_path: Path) -> None:
    write(tmp_path, "technical_debt/td-1.md", COMPLETE)
    doc = run(tmp_path)
    assert doc["today"] is None
    assert "expired" not in doc["items"][0]


def test_today_option_adds_expired_and_days_left(tmp_path: Path) -> None:
    write(tmp_path, "technical_debt/td-1.md", COMPLETE)
    before = only_item(run(tmp_path, today="2024-02-01"))
    after = only_item(run(tmp_path, today="2024-03-01"))
    assert (before["expired"], before["days_left"]) == (False, 8)
    assert (after["expired"], after["days_left"]) == (True, -21)


def test_explicit_expires_and_weeks_ttl(tmp_path: Path) -> None:
    write(tmp_path, "technical_debt/a.md", item_text(id="A", severity="low", owner="x", expires="2025-06-30"))
    write(
        tmp_path,
        "technical_debt/b.md",
        item_text(id="B", severity="low", owner="x", created="2025-01-01", ttl="2w"),
    )
    a, b = run(tmp_path)["items"]
    assert (a["expires"], a["expires_from"]) == ("2025-06-30", "expires")
    assert (b["expires"], b["ttl_days"]) == ("2025-01-15", 14)


def test_missing_fields_are_item_errors(tmp_path: Path) -> None:
    write(tmp_path, "technical_debt/a.md", item_text(title="no owner, no severity", created="2024-01-01"))
    assert only_item(run(tmp_path))["errors"] == [
        "missing id",
        "missing severity",
        "missing owner",
        "missing ttl or expires",
    ]


def test_unknown_severity_and_custom_severities(tmp_path: Path) -> None:
    write(
        tmp_path, "technical_debt/a.md", item_text(id="A", severity="urgent", owner="x", expires="2025-01-01")
    )
    assert only_item(run(tmp_path))["errors"] == [
        "unknown severity 'urgent'; expected one of low, medium, high, critical"
    ]
    assert only_item(run(tmp_path, severities=["urgent"]))["errors"] == []


def test_bad_dates_and_ttl_are_errors_not_crashes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "technical_debt/a.md",
        item_text(id="A", severity="low", owner="x", created="2024-13-01", ttl="soon"),
    )
    item = only_item(run(tmp_path))
    assert item["errors"] == [
        "bad date in created: '2024-13-01' (use YYYY-MM-DD)",
        "not a ttl: 'soon' (use days, '<n>d' or '<n>w')",
    ]
    assert item["expires"] is None


def test_duplicate_ids_are_flagged_on_the_later_file(tmp_path: Path) -> None:
    write(
        tmp_path, "technical_debt/a.md", item_text(id="TD-9", severity="low", owner="x", expires="2025-01-01")
    )
    write(
        tmp_path, "technical_debt/b.md", item_text(id="TD-9", severity="low", owner="y", expires="2025-01-01")
    )
    a, b = run(tmp_path)["items"]
    assert a["errors"] == []
    assert b["errors"] == ["duplicate id 'TD-9' (also in technical_debt/a.md)"]


def test_malformed_or_missing_front_matter_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "technical_debt/bad.md", "---\nid: TD-1\nowner: [x\n---\n")
    write(tmp_path, "technical_debt/plain.md", "# just notes\n")
    write(tmp_path, "technical_debt/list.md", "---\n- a\n- b\n---\n")
    write(tmp_path, "technical_debt/bin.md", b"\x00\x01")
    doc = run(tmp_path)
    assert doc["items"] == []
    assert {(p["file"], p["line"], p["code"]) for p in doc["problems"]} == {
        ("technical_debt/bad.md", 3, "front_matter"),
        ("technical_debt/plain.md", 1, "front_matter"),
        ("technical_debt/list.md", 2, "front_matter"),
        ("technical_debt/bin.md", None, "binary"),
    }


def test_only_files_under_paths_are_read(tmp_path: Path) -> None:
    write(tmp_path, "docs/td.md", COMPLETE)
    assert run(tmp_path)["items"] == []
    assert only_item(run(tmp_path, paths=["docs/*.md"]))["file"] == "docs/td.md"


def test_bad_today_option_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractorError, match="today"):
        run(tmp_path, today="tomorrow")


def test_output_is_deterministic_and_matches_schema(
    tmp_path: Path, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    write(tmp_path, "technical_debt/td-1.md", COMPLETE)
    write(tmp_path, "technical_debt/td-2.md", item_text(id="TD-1", severity="nope"))
    write(tmp_path, "technical_debt/bad.md", "---\n: [\n---\n")
    for options in ({}, {"today": "2024-02-01"}):
        first = run(tmp_path, **options)
        assert dumps(run(tmp_path, **options)) == dumps(first)
        validate_document(first)
