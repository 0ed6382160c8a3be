"""Writing and naming the extracted input documents on disk (``.sentinel/inputs/<kind>.json``)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

DEFAULT_OUT = ".sentinel/inputs"


def dumps(document: dict[str, Any]) -> str:
    """Deterministic JSON: the same tree gives byte-identical files."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_documents(out_dir: Path, documents: dict[str, dict[str, Any]]) -> dict[str, Path]:
    """Write each document atomically (temp file + rename), so a crash never leaves half a file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for kind, document in sorted(documents.items()):
        target = out_dir / f"{kind}.json"
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}.", suffix=".json", dir=out_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dumps(document))
        os.replace(tmp, target)
        written[kind] = target
    return written
