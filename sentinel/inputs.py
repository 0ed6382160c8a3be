"""Writing and naming the extracted input documents on disk (``.sentinel/inputs/<kind>.json``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel.safe_write import Place, owned_dir

DEFAULT_OUT = ".sentinel/inputs"


@dataclass(frozen=True)
class WrittenDocument:
    path: Path
    sha256: str


def dumps(document: dict[str, Any]) -> str:
    """Deterministic JSON: the same tree gives byte-identical files."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def is_input_document(name: str, data: bytes) -> bool:
    """An input document an earlier Sentinel wrote (before folders carried the ownership marker)."""
    if not name.endswith(".json"):
        return False
    try:
        raw = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(raw, dict) and raw.get("kind") == name[: -len(".json")] and "schema_version" in raw


def write_documents(
    out_dir: Path, documents: dict[str, dict[str, Any]], place: Place | None = None
) -> dict[str, WrittenDocument]:
    """Write each document atomically into a folder Sentinel owns (see sentinel.safe_write).

    ``place`` defaults to the working directory, confined: pass ``confine=False`` only for a
    folder the user named on the command line or in the environment.
    """
    written: dict[str, WrittenDocument] = {}
    with owned_dir(out_dir, place or Place(Path.cwd()), is_input_document) as folder:
        for kind, document in sorted(documents.items()):
            data = dumps(document).encode("utf-8")
            path = folder.write(f"{kind}.json", data)
            written[kind] = WrittenDocument(path, "sha256:" + hashlib.sha256(data).hexdigest())
    return written
