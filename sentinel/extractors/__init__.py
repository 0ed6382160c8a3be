"""Extractors: turn a repository into JSON facts (one document per kind)."""

from __future__ import annotations

# Kind name -> module under extractors/ exposing ``extract(ctx) -> dict``. Imported lazily so a
# run that asks for one kind does not pay for the parsers of the others.
KINDS: dict[str, str] = {
    "files": "sentinel.extractors.files",
    "imports": "sentinel.extractors.imports",
    "proto": "sentinel.extractors.proto",
    "todos": "sentinel.extractors.todos",
    "techdebt": "sentinel.extractors.techdebt",
    "coverage": "sentinel.extractors.coverage",
    "changes": "sentinel.extractors.changes",
    "tests": "sentinel.extractors.tests",
    "secrets": "sentinel.extractors.secrets",  # pragma: allowlist secret (a module path, not a password)
    "tenancy": "sentinel.extractors.tenancy",
    "observability": "sentinel.extractors.observability",
    "statemachines": "sentinel.extractors.statemachines",
    "safety": "sentinel.extractors.safety",
}
