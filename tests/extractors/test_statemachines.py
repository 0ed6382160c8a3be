"""The statemachines extractor: documents, their states and transitions, and what the code mentions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.selection import select_files
from sentinel.extractors.statemachines import cover_globs, extract
from sentinel.inputs import dumps
from testsupport.files import write

ORDER_DOC = """\
---
name: order
covers:
  - app/orders/**/*.py
  - Billing.InvoiceState
---
# Order lifecycle

```mermaid
stateDiagram-v2
    [*] --> Pending
    Pending --> Paid : pay
    state "Awaiting shipment" as Packing
    Paid --> Packing
    Packing --> Shipped : ship
    Shipped --> [*]
```
"""


def run(root: Path, **options: Any) -> dict[str, Any]:
    return extract(ExtractContext(root=root, files=tuple(select_files(root)), options=options, jobs=1))


def machine(doc: dict[str, Any], file: str) -> dict[str, Any]:
    return next(m for m in doc["machines"] if m["file"] == file)


@pytest.fixture
def order_repo(tmp_path: Path) -> Path:
    write(tmp_path, "state_machines/order.md", ORDER_DOC)
    write(tmp_path, "app/orders/model.py", 'STATUS = ("Pending", "Paid", "Shipped")\n')
    write(tmp_path, "app/orders/legacy.py", "UNPAID = 'Unpaid'\n")
    write(tmp_path, "lib/billing/invoice_state.ex", "defmodule Billing.InvoiceState do\nend\n")
    return tmp_path


def test_mermaid_states_and_transitions_with_lines(order_repo: Path) -> None:
    m = machine(run(order_repo), "state_machines/order.md")
    assert [(s["name"], s["line"], s["label"]) for s in m["states"]] == [
        ("Pending", 11, None),
        ("Paid", 12, None),
        ("Packing", 13, "Awaiting shipment"),
        ("Shipped", 15, None),
    ]
    assert [(t["from"], t["to"], t["event"], t["line"]) for t in m["transitions"]] == [
        ("[*]", "Pending", None, 11),
        ("Pending", "Paid", "pay", 12),
        ("Paid", "Packing", None, 14),
        ("Packing", "Shipped", "ship", 15),
        ("Shipped", "[*]", None, 16),
    ]
    assert (m["initial"], m["final"], m["name"]) == (["Pending"], ["Shipped"], "order")


def test_covers_globs_and_module_names_select_files(order_repo: Path) -> None:
    m = machine(run(order_repo), "state_machines/order.md")
    assert m["covered_files"] == [
        "app/orders/legacy.py",
        "app/orders/model.py",
        "lib/billing/invoice_state.ex",
    ]
    assert m["covers_unmatched"] == []


def test_mentions_are_case_sensitive_whole_words(order_repo: Path) -> None:
    mentions = {x["name"]: x for x in machine(run(order_repo), "state_machines/order.md")["mentions"]}
    assert mentions["Paid"]["files"] == ["app/orders/model.py"]
    assert (mentions["Packing"]["mentioned"], mentions["Packing"]["checked"]) == (False, True)
    assert (mentions["Packing"]["file"], mentions["Packing"]["line"]) == ("state_machines/order.md", 13)


def test_unreadable_covered_file_leaves_unfound_states_unchecked(tmp_path: Path) -> None:
    write(tmp_path, "state_machines/door.md", "---\ncovers: [door/**]\nstates: [Open, Closed]\n---\n")
    write(tmp_path, "door/a.py", "state = 'Open'\n")
    write(tmp_path, "door/b.bin", b"\x00Closed")
    mentions = {x["name"]: x for x in run(tmp_path)["machines"][0]["mentions"]}
    assert (mentions["Open"]["mentioned"], mentions["Open"]["checked"]) == (True, True)
    assert (mentions["Closed"]["mentioned"], mentions["Closed"]["checked"]) == (False, False)


def test_nothing_covered_means_nothing_checked(tmp_path: Path) -> None:
    write(tmp_path, "state_machines/door.md", "---\ncovers: [nowhere/**]\nstates: [Open]\n---\n")
    m = run(tmp_path)["machines"][0]
    assert m["covers_unmatched"] == ["nowhere/**"]
    assert m["mentions"][0]["checked"] is False


def test_front_matter_states_and_transitions_with_lines_and_undeclared_state(tmp_path: Path) -> None:
    write(
        tmp_path,
        "state_machines/door.md",
        """---
name: door
states:
  - Open
  - name: Closed
transitions:
  - {from: Open, to: Closed, event: close}
  - {from: Closed, to: Locked, event: lock}
---
""",
    )
    m = run(tmp_path)["machines"][0]
    assert [(s["name"], s["line"], s["source"]) for s in m["states"]] == [
        ("Open", 4, "front_matter"),
        ("Closed", 5, "front_matter"),
        ("Locked", 8, "front_matter"),
    ]
    assert [(t["event"], t["line"]) for t in m["transitions"]] == [("close", 7), ("lock", 8)]
    assert m["errors"] == [
        {"file": "state_machines/door.md", "message": "transition uses undeclared state 'Locked'", "line": 8}
    ]


def test_tla_variables_actions_and_covers_comment(tmp_path: Path) -> None:
    write(
        tmp_path,
        "specs/Orders.tla",
        """---- MODULE Orders ----
\\* covers: app/**
EXTENDS Naturals
VARIABLES state,
          paid
Init == state = "Pending"
Pay(o) == state' = "Paid"
Next == Pay(1)
====
""",
    )
    write(tmp_path, "app/pay.py", "def Pay():\n    pass\n")
    m = run(tmp_path)["machines"][0]
    assert (m["format"], m["name"], m["covers"]) == ("tla", "Orders", ["app/**"])
    assert m["variables"] == [{"name": "state", "line": 4}, {"name": "paid", "line": 5}]
    assert [a["name"] for a in m["actions"]] == ["Init", "Pay", "Next"]
    assert {x["name"]: x["mentioned"] for x in m["mentions"]} == {"Init": False, "Next": False, "Pay": True}


def test_malformed_and_unclosed_front_matter_are_problems(tmp_path: Path) -> None:
    write(tmp_path, "state_machines/bad.md", "---\nname: x\nstates: [A, B\n---\n")
    write(tmp_path, "state_machines/open.md", "---\nname: x\n")
    write(tmp_path, "state_machines/empty.md", "# nothing here\n")
    problems = {(p["file"], p["line"], p["code"]) for p in run(tmp_path)["problems"]}
    assert problems == {
        ("state_machines/bad.md", 3, "front_matter"),
        ("state_machines/open.md", 1, "front_matter"),
        ("state_machines/empty.md", 1, "no_states"),
    }


def test_paths_option_selects_documents(tmp_path: Path) -> None:
    write(tmp_path, "docs/fsm/door.md", "---\nstates: [Open]\n---\n")
    assert run(tmp_path)["machines"] == []
    assert [m["file"] for m in run(tmp_path, paths=["docs/fsm/*.md"])["machines"]] == ["docs/fsm/door.md"]


def test_module_names_become_path_globs() -> None:
    assert cover_globs("Billing.InvoiceState") == [
        "**/Billing/InvoiceState.*",
        "**/Billing/InvoiceState/**",
        "**/billing/invoice_state.*",
        "**/billing/invoice_state/**",
    ]
    assert cover_globs("app/**/*.py") == ["app/**/*.py"]


def test_bad_paths_option_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractorError, match="paths"):
        run(tmp_path, paths="state_machines")


def test_output_is_deterministic_and_matches_schema(
    order_repo: Path, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    write(order_repo, "specs/Orders.tla", "---- MODULE Orders ----\nVARIABLE s\nInit == s = 0\n====\n")
    write(order_repo, "state_machines/bad.md", "---\n: [\n---\n")
    first = run(order_repo)
    assert dumps(run(order_repo)) == dumps(first)
    validate_document(first)


def _run_with_base(root: Path, base: str) -> dict[str, Any]:
    ctx = ExtractContext(root=root, files=tuple(select_files(root)), base=base, is_git=True, jobs=1)
    return extract(ctx)


def test_with_a_base_code_changes_without_a_document_change_are_reported(
    git_repo: Any, validate_document
) -> None:
    git_repo.write("state_machines/order.md", ORDER_DOC)
    git_repo.write("app/orders/model.py", 'STATUS = ("Pending", "Paid", "Shipped")\n')
    git_repo.write("app/orders/legacy.py", "UNPAID = 'Unpaid'\n")
    base = git_repo.commit("base")
    git_repo.write("app/orders/model.py", 'STATUS = ("Pending", "Paid", "Shipped", "Refunded")\n')
    git_repo.commit("code only")
    doc = _run_with_base(git_repo.root, base)
    validate_document(doc)
    order = machine(doc, "state_machines/order.md")
    assert doc["base"] == base
    assert order["document_changed"] is False
    assert order["covered_changed"] == ["app/orders/model.py"]


def test_with_a_base_a_document_change_is_seen(git_repo: Any) -> None:
    git_repo.write("state_machines/order.md", ORDER_DOC)
    git_repo.write("app/orders/model.py", 'STATUS = ("Pending", "Paid", "Shipped")\n')
    base = git_repo.commit("base")
    git_repo.write("app/orders/model.py", 'STATUS = ("Pending", "Paid", "Shipped", "Refunded")\n')
    git_repo.write("state_machines/order.md", ORDER_DOC + "\nRefunds come later.\n")
    git_repo.commit("code and doc")
    order = machine(_run_with_base(git_repo.root, base), "state_machines/order.md")
    assert order["document_changed"] is True
    assert order["covered_changed"] == ["app/orders/model.py"]


def test_without_a_base_change_fields_are_unknown(order_repo: Path) -> None:
    order = machine(run(order_repo), "state_machines/order.md")
    assert order["document_changed"] is None
    assert order["covered_changed"] == []
