"""conftest's command-line surface (commands, flags, parsers, outputs), read from its ``--help``.

``conftest_cli.json`` beside this file is a snapshot of it for machines without the binary;
``test_compat_doc.py`` checks the snapshot against the real binary when it is there, and
``docs/compatibility.md`` against the snapshot. Refresh the snapshot with
``.venv/bin/python -m tests.parity.conftest_cli .tools/bin/conftest``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).resolve().parent / "conftest_cli.json"
# The commands whose flags docs/compatibility.md lists one by one.
DOCUMENTED_COMMANDS = ("test", "verify", "parse", "reformat", "doc")
_FLAG = re.compile(r"^\s+(?:-\w, )?--([\w-]+)")
_LIST = {
    "parsers": re.compile(r"Valid parsers: \[([^\]]*)\]"),
    "outputs": re.compile(r"valid options are: \[([^\]]*)\]"),
}


def _help(conftest: str, *command: str) -> str:
    proc = subprocess.run(
        [conftest, *command, "--help"], capture_output=True, text=True, timeout=30, check=True
    )
    return proc.stdout


def _section(text: str, title: str) -> list[str]:
    """The lines under ``title`` (``Flags:``) up to the next blank line."""
    lines = text.splitlines()
    try:
        start = lines.index(title) + 1
    except ValueError:
        return []
    out = []
    for line in lines[start:]:
        if not line.strip():
            break
        out.append(line)
    return out


def _flags(text: str, title: str = "Flags:") -> list[str]:
    found = (_FLAG.match(line) for line in _section(text, title))
    return sorted(f"--{m.group(1)}" for m in found if m and m.group(1) != "help")


def read_cli(conftest: str) -> dict[str, Any]:
    root = _help(conftest)
    commands = sorted(line.split()[0] for line in _section(root, "Available Commands:"))
    flags = {"": _flags(root)}
    test_help = ""
    for command in DOCUMENTED_COMMANDS:
        text = _help(conftest, command)
        flags[command] = _flags(text)
        test_help = text if command == "test" else test_help
    lists = {}
    for key, pattern in _LIST.items():
        match = pattern.search(test_help)
        lists[key] = sorted(match.group(1).split()) if match else []
    return {"commands": commands, "flags": flags, **lists}


def load_snapshot() -> dict[str, Any]:
    data = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(read_cli(sys.argv[1]), indent=2, sort_keys=True) + "\n", encoding="utf-8")
