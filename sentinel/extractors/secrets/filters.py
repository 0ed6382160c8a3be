"""Our false-positive filters, applied after detect-secrets' own (its heuristics, allowlists).

- ``is_own_name``: the value is the name it is assigned to (``PASSWORD = "PASSWORD"``,
  ``"api_key": "api-key"``), compared without case, ``_``, ``-`` or ``.``: an enum-like
  constant, not a secret.
- ``is_binary_output``: in a Jupyter notebook, base64 data of an image, audio or video output
  (``"image/png": "iVBOR..."``); Base64HighEntropyString fires on every such line.
- ``is_vcs_revision``: a git object id (40 or 64 lowercase hex digits) in a VCS metadata file
  that packaging tools write (``.cargo_vcs_info.json`` in every crates.io package,
  ``.git_archival.txt``, ``.hg_archival.txt``) or assigned to a key named like a revision
  (``sha1``, ``commit``, ``revision``, ``rev``, ``git_sha``): HexHighEntropyString fires on it,
  but a commit id is public. Another value in those files, or a hex id under any other key, is
  still reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

# A name, a closing quote or bracket, an optional type annotation, an assignment (``=``, ``:=``,
# ``:``, ``=>``, ``==``), an optional string prefix and opening quote; then the value.
_ASSIGNED = (
    r"([A-Za-z_][\w.-]*)[\"'\]]*"  # the name and a closing quote or bracket
    r"\s*(?::\s*[\w\[\]&<>., |]+?\s*)?"  # an optional type annotation
    r"(?::=|={1,3}|:|=>)\s*[A-Za-z]{0,2}[\"'`]?"  # the assignment, a string prefix, a quote
)
_SEPARATORS = re.compile(r"[\W_]+")
# A notebook output line holding binary data: `"image/png": "..."` (nbformat 4) or
# `"png": "..."` (nbformat 3).
_BINARY_MIME = r"(?:image|audio|video)/[\w.+-]+|application/pdf"
_BINARY_LINE = re.compile(rf'^\s*"(?:{_BINARY_MIME}|png|jpeg|gif|pdf)"\s*:\s*\[?\s*"')
_BINARY_KEY = re.compile(rf"^(?:{_BINARY_MIME})$")
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
VCS_METADATA_FILES = frozenset({".cargo_vcs_info.json", ".git_archival.txt", ".hg_archival.txt"})
# The last word of a key that names a revision: sha1, commit_sha, GIT_COMMIT, vcs.revision, rev.
_REVISION_KEY = re.compile(
    r"(?:^|[._-])(?:sha|sha1|sha256|commit|commit[_-]?(?:id|sha|hash)|revision|rev|node|changeset)$",
    re.IGNORECASE,
)


def _squash(name: str) -> str:
    return _SEPARATORS.sub("", name).lower()


def is_own_name(secret: str, line: str) -> bool:
    """Whether ``secret`` is assigned on ``line`` to a name that spells the same word."""
    value = _squash(secret)
    if not value or len(line) > 1000:
        return False
    names = re.findall(_ASSIGNED + re.escape(secret), line)
    return any(_squash(name) == value for name in names)


def notebook_binary_data(text: str) -> list[str]:
    """The base64 strings of a notebook's binary outputs, line breaks removed (empty if the
    notebook is not valid JSON)."""
    try:
        notebook = json.loads(text)
    except ValueError:
        return []
    found: list[str] = []
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    worksheets = notebook.get("worksheets") if isinstance(notebook, dict) else None
    if isinstance(worksheets, list):  # nbformat 3
        cells = [c for w in worksheets if isinstance(w, dict) for c in w.get("cells") or []]
    for cell in cells if isinstance(cells, list) else []:
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        for output in outputs if isinstance(outputs, list) else []:
            if isinstance(output, dict):
                found.extend(_binary_values(output))
    return found


def _binary_values(output: dict[str, object]) -> Iterable[str]:
    bundles = [output.get("data"), output]
    for bundle in bundles:
        if not isinstance(bundle, dict):
            continue
        for key, value in bundle.items():
            if not (_BINARY_KEY.match(key) or key in ("png", "jpeg", "gif", "pdf")):
                continue
            if isinstance(value, list):
                value = "".join(v for v in value if isinstance(v, str))
            if isinstance(value, str):
                yield value.replace("\n", "")


def is_binary_output(secret: str, line: str, binary_data: Iterable[str]) -> bool:
    """Whether ``secret`` (on ``line`` of a notebook) is part of a binary output's data."""
    if _BINARY_LINE.match(line):
        return True
    squashed = secret.replace("\\n", "")
    return any(squashed in data for data in binary_data)


def is_vcs_revision(secret: str, line: str, filename: str) -> bool:
    """Whether ``secret`` is a git object id in a VCS metadata file or under a revision key."""
    if not _OBJECT_ID.fullmatch(secret) or len(line) > 1000:
        return False
    if filename.rsplit("/", 1)[-1] in VCS_METADATA_FILES:
        return True
    names = re.findall(_ASSIGNED + re.escape(secret), line)
    return any(_REVISION_KEY.search(name) for name in names)
