"""Extractors: turn a repository into JSON facts (one document per kind)."""

from __future__ import annotations

# Kind name -> module under extractors/ exposing ``extract(ctx) -> dict``. Imported lazily so a
# run that asks for one kind does not pay for the parsers of the others.
KINDS: dict[str, str] = {
    "files": "extractors.files",
    "imports": "extractors.imports",
    "proto": "extractors.proto",
    "todos": "extractors.todos",
    "techdebt": "extractors.techdebt",
    "coverage": "extractors.coverage",
    "changes": "extractors.changes",
    "tests": "extractors.tests",
    "secrets": "extractors.secrets",  # pragma: allowlist secret (a module path, not a password)
    "tenancy": "extractors.tenancy",
    "observability": "extractors.observability",
    "statemachines": "extractors.statemachines",
    "safety": "extractors.safety",
}
