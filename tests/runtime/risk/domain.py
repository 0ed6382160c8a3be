"""The finite domains of the risk table's input, valid values first, and every combination of them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
POLICY = REPO / "policy-as-code" / "runtime" / "risk" / "risk.rego"

PROMPT_TYPES = ("question", "instruction", "confirm", "destructive_confirm", "other")
CONFIDENCES = ("low", "medium", "high")  # lowest first
ACTIONS = ("execute", "auto_respond", "require_human", "skip", "log_only")
KNOWN_TAGS = ("critical_session", "safe_session", "vip")

MISSING = object()  # the field is left out of the input document

BAD_PROMPT_TYPES: tuple[object, ...] = (MISSING, "Destructive_Confirm", 7)
BAD_CONFIDENCES: tuple[object, ...] = (MISSING, "HIGH", None)
BAD_ACTIONS: tuple[object, ...] = (MISSING, "auto-respond", "EXECUTE")
TAG_SETS: tuple[object, ...] = (
    *(list(c) for n in range(len(KNOWN_TAGS) + 1) for c in itertools.combinations(KNOWN_TAGS, n)),
    MISSING,
    None,
    "critical_session",
    [1],
)


def document(prompt_type: object, confidence: object, action: object, tags: object) -> dict[str, Any]:
    """The input document, without the fields given as MISSING."""
    fields = {"prompt_type": prompt_type, "confidence": confidence, "action": action, "session_tags": tags}
    return {k: v for k, v in fields.items() if v is not MISSING}


def valid_combinations() -> Iterator[tuple[str, str, str]]:
    yield from itertools.product(PROMPT_TYPES, CONFIDENCES, ACTIONS)


def all_documents() -> list[dict[str, Any]]:
    """Every combination of valid and invalid values of the four fields (a few thousand)."""
    return [
        document(p, c, a, t)
        for p, c, a, t in itertools.product(
            PROMPT_TYPES + BAD_PROMPT_TYPES, CONFIDENCES + BAD_CONFIDENCES, ACTIONS + BAD_ACTIONS, TAG_SETS
        )
    ]
