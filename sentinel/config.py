"""conftest.yml (or conftest.toml): the runner's, the extractors' and the bot's settings.

Top-level keys named like ``sentinel test`` flags (``policy``, ``data``, ``namespace``,
``all-namespaces``, ``output``, ...) become those flags' defaults; flags override
``SENTINEL_<FLAG>`` environment variables, which override the file (click's own precedence).
Sections ``extract`` and ``bot`` configure those stages.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sentinel.errors import SentinelError

DEFAULT_FILES = ("conftest.yml", "conftest.yaml", "conftest.toml")
SECTIONS = ("extract", "bot")


@dataclass
class Config:
    path: Path | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        return self.sections.get(name, {})

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def as_list(value: Any) -> list[str]:
    """Config files may give a single string where a flag is repeatable."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def find_config(start: Path) -> Path | None:
    for name in DEFAULT_FILES:
        candidate = start / name
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None, required: bool = False) -> Config:
    """Load ``path`` (or the default file in the current directory when ``path`` is None)."""
    if path is None:
        path = find_config(Path.cwd())
        if path is None:
            return Config()
    elif not path.is_file():
        raise SentinelError("config file not found", file=str(path))
    raw = _read(path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SentinelError("config must be a mapping of settings", file=str(path), line=1)
    flags: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    for key, value in raw.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                raise SentinelError(f"section {key!r} must be a mapping", file=str(path))
            sections[key] = value
        else:
            flags[str(key).replace("-", "_")] = value
    return Config(path=path, flags=flags, sections=sections)


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SentinelError(f"invalid TOML: {exc}", file=str(path)) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise SentinelError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}", file=str(path), line=line
        ) from exc
