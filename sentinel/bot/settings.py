"""The bot's settings: the ``bot`` section of conftest.yml, checked once and typed.

Every key is documented in docs/github.md. A wrong type is a SentinelError naming the config
file, so a typo fails the job with one clear line instead of silently changing behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentinel.config import Config
from sentinel.errors import SentinelError

COMMENT_LIMIT = 65_536
CHECK_SUMMARY_LIMIT = 65_535
ANNOTATIONS_PER_REQUEST = 50

DEFAULT_LABEL_MAP: dict[str, str] = {
    "testing": "needs-tests",
    "tests": "needs-tests",
    "coverage": "needs-tests",
    "spec": "needs-spec",
    "protocol": "needs-spec",
    "proto": "needs-spec",
}

DEFAULT_DEFINITIONS: dict[str, tuple[str, str]] = {
    "sentinel-block": ("b60205", "Sentinel: blocking policy violations"),
    "needs-tests": ("fbca04", "Sentinel: testing rules need attention"),
    "needs-spec": ("0052cc", "Sentinel: a spec change is needed"),
}

FILTER_MODES = ("added", "diff_context", "file", "nofilter")
REVIEW_MODES = ("added", "diff_context", "off")

DEFAULT_SPEC_SECTIONS = [r"acceptance\s+criteria", r"invariants?"]


@dataclass(frozen=True)
class LabelDef:
    name: str
    color: str
    description: str


@dataclass(frozen=True)
class LabelSettings:
    block: str | None = "sentinel-block"
    mapping: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LABEL_MAP))
    definitions: dict[str, LabelDef] = field(default_factory=dict)
    include_warnings: bool = True

    @property
    def owned(self) -> list[str]:
        """Every label the bot may add or remove; it never touches any other."""
        names = set(self.mapping.values()) | set(self.definitions)
        if self.block:
            names.add(self.block)
        return sorted(names)

    def definition(self, name: str) -> LabelDef:
        if name in self.definitions:
            return self.definitions[name]
        color, description = DEFAULT_DEFINITIONS.get(name, ("ededed", "Managed by Sentinel"))
        return LabelDef(name, color, description)


@dataclass(frozen=True)
class TemplateRule:
    path: str = ".github/pull_request_template.md"
    required_sections: list[str] | None = None
    blocking: bool = True


@dataclass(frozen=True)
class SpecRule:
    code_paths: list[str] = field(default_factory=list)
    spec_paths: list[str] = field(default_factory=lambda: ["docs/spec/**", "specs/**"])
    required_sections: list[str] = field(default_factory=lambda: list(DEFAULT_SPEC_SECTIONS))
    blocking: bool = True


@dataclass(frozen=True)
class ApiSettings:
    retries: int = 3
    backoff: float = 0.5
    max_rate_limit_wait: float = 60.0
    rate_limit_retries: int = 2
    timeout: float = 15.0
    seconds_between_requests: float = 0.0
    seconds_between_writes: float = 1.0


@dataclass(frozen=True)
class BotSettings:
    comment_id: str = ""
    on_clean: str = "all_clear"
    templates: Path | None = None
    check_name: str = "Sentinel"  # "Sentinel (<comment_id>)" when comment_id is set
    check: str = "auto"
    labels: LabelSettings = field(default_factory=LabelSettings)
    max_annotations: int = 500
    max_comment_chars: int = COMMENT_LIMIT
    report_url: str | None = None
    recheck_command: str = "/sentinel recheck"
    pr_template: TemplateRule | None = field(default_factory=TemplateRule)
    spec: SpecRule | None = None
    api: ApiSettings = field(default_factory=ApiSettings)
    # Which findings are reported and gate the merge: added, diff_context, file, nofilter
    # (sentinel.bot.diff_filter, reviewdog's -filter-mode).
    filter_mode: str = "added"
    # Inline review comments on changed lines (sentinel.bot.review): added, diff_context or off.
    review_comments: str = "off"

    @property
    def marker(self) -> str:
        suffix = f":{self.comment_id}" if self.comment_id else ""
        return f"<!-- sentinel:comment{suffix} -->"


class _Reader:
    """Typed access to one mapping of the config, with errors that name the file and key."""

    def __init__(self, raw: dict[str, Any], where: str, source: str | None) -> None:
        self.raw = raw
        self.where = where
        self.source = source

    def fail(self, key: str, expected: str) -> SentinelError:
        return SentinelError(f"{self.where}.{key} must be {expected}", file=self.source)

    def string(self, key: str, default: str) -> str:
        value = self.raw.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.fail(key, "a string")
        return str(value)

    def optional_string(self, key: str, default: str | None) -> str | None:
        if key not in self.raw:
            return default
        value = self.raw[key]
        if value is None or value is False:
            return None
        if not isinstance(value, str):
            raise self.fail(key, "a string or null")
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.string(key, default).replace("-", "_")
        if value not in choices:
            raise self.fail(key, "one of " + ", ".join(choices))
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false")
        return value

    def number(self, key: str, default: float, minimum: float = 0) -> float:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.fail(key, f"a number >= {minimum:g}")
        return float(value)

    def integer(self, key: str, default: int, minimum: int = 0) -> int:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"an integer >= {minimum}")
        return value

    def strings(self, key: str, default: list[str] | None) -> list[str] | None:
        if key not in self.raw or self.raw[key] is None:
            return default
        value = self.raw[key]
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "a list of strings")
        return list(value)

    def mapping(self, key: str) -> _Reader | None:
        if key not in self.raw or self.raw[key] is None:
            return None
        value = self.raw[key]
        if not isinstance(value, dict):
            raise self.fail(key, "a mapping")
        return _Reader(value, f"{self.where}.{key}", self.source)


def _patterns(reader: _Reader, key: str, default: list[str]) -> list[str]:
    patterns = reader.strings(key, default) or []
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise reader.fail(key, f"a list of regular expressions ({pattern!r}: {exc})") from exc
    return patterns


def _labels(reader: _Reader | None) -> LabelSettings:
    if reader is None:
        return LabelSettings()
    mapping = dict(DEFAULT_LABEL_MAP)
    custom = reader.mapping("map")
    if custom is not None:
        for key, value in custom.raw.items():
            if value is None:
                mapping.pop(str(key), None)
            elif isinstance(value, str) and value:
                mapping[str(key)] = value
            else:
                raise custom.fail(str(key), "a label name or null")
    definitions: dict[str, LabelDef] = {}
    defs = reader.mapping("definitions")
    if defs is not None:
        for name in defs.raw:
            item = defs.mapping(str(name))
            if item is None:
                raise defs.fail(str(name), "a mapping with color and description")
            color = item.string("color", DEFAULT_DEFINITIONS.get(str(name), ("ededed", ""))[0]).lstrip("#")
            if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
                raise item.fail("color", "a 6-digit hex colour")
            definitions[str(name)] = LabelDef(str(name), color.lower(), item.string("description", ""))
    for name in definitions:
        if len(name) > 50:
            raise reader.fail("definitions", "label names of at most 50 characters")
    return LabelSettings(
        block=reader.optional_string("block", "sentinel-block"),
        mapping=mapping,
        definitions=definitions,
        include_warnings=reader.boolean("include_warnings", True),
    )


def _template_rule(raw: dict[str, Any], source: str | None) -> TemplateRule | None:
    value = raw.get("pr_template", {})
    if value is False:
        return None
    if value is None:
        return TemplateRule()
    if isinstance(value, str):
        return TemplateRule(path=value)
    if not isinstance(value, dict):
        raise SentinelError("bot.pr_template must be a path, a mapping or false", file=source)
    reader = _Reader(value, "bot.pr_template", source)
    return TemplateRule(
        path=reader.string("path", TemplateRule.path),
        required_sections=reader.strings("required_sections", None),
        blocking=reader.boolean("blocking", True),
    )


def _spec_rule(reader: _Reader | None) -> SpecRule | None:
    if reader is None:
        return None
    code_paths = reader.strings("code_paths", []) or []
    if not code_paths:
        return None
    return SpecRule(
        code_paths=code_paths,
        spec_paths=reader.strings("spec_paths", None) or SpecRule().spec_paths,
        required_sections=_patterns(reader, "required_sections", DEFAULT_SPEC_SECTIONS),
        blocking=reader.boolean("blocking", True),
    )


def _api(reader: _Reader | None) -> ApiSettings:
    if reader is None:
        return ApiSettings()
    return ApiSettings(
        retries=reader.integer("retries", 3),
        backoff=reader.number("backoff", 0.5),
        max_rate_limit_wait=reader.number("max_rate_limit_wait", 60.0),
        rate_limit_retries=reader.integer("rate_limit_retries", 2),
        timeout=reader.number("timeout", 15.0, minimum=1),
        seconds_between_requests=reader.number("seconds_between_requests", 0.0),
        seconds_between_writes=reader.number("seconds_between_writes", 1.0),
    )


def load_settings(config: Config) -> BotSettings:
    raw = config.section("bot")
    source = str(config.path) if config.path else None
    reader = _Reader(raw, "bot", source)
    templates = reader.optional_string("templates", None)
    comment_id = reader.string("comment_id", "")
    if not re.fullmatch(r"[A-Za-z0-9_.-]*", comment_id):
        raise reader.fail("comment_id", "letters, digits, '.', '_' or '-'")
    max_chars = reader.integer("max_comment_chars", COMMENT_LIMIT, minimum=1000)
    return BotSettings(
        comment_id=comment_id,
        on_clean=reader.choice("on_clean", "all_clear", ("all_clear", "delete")),
        templates=(config.root / templates) if templates else None,
        check_name=reader.string("check_name", f"Sentinel ({comment_id})" if comment_id else "Sentinel"),
        check=reader.choice("check", "auto", ("auto", "check_run", "status", "off")),
        labels=_labels(reader.mapping("labels")),
        max_annotations=reader.integer("max_annotations", 500),
        max_comment_chars=min(max_chars, COMMENT_LIMIT),
        report_url=reader.optional_string("report_url", None),
        recheck_command=reader.string("recheck_command", "/sentinel recheck"),
        pr_template=_template_rule(raw, source),
        spec=_spec_rule(reader.mapping("spec")),
        api=_api(reader.mapping("api")),
        filter_mode=reader.choice("filter_mode", "added", FILTER_MODES),
        review_comments=reader.choice("review_comments", "off", REVIEW_MODES),
    )
