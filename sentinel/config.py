"""conftest.yml (or conftest.yaml / conftest.toml): every setting of Sentinel in one validated file.

Top-level keys named like ``sentinel test``/``check`` flags (``policy``, ``data``, ``namespace``,
``all-namespaces``, ``output``, ...) become those flags' defaults; flags override
``SENTINEL_<FLAG>`` environment variables, which override the file (click's own precedence).
Sections: ``extract`` (extractor options), ``bot``, ``params`` (rule parameters, reaching the
policies as ``data.sentinel.params``), ``exceptions`` (``data.sentinel.exceptions``), ``disable``
(rule ids switched off) and ``library`` (false: no shipped rule library).

The whole file is checked against ``sentinel/schemas/config.schema.json`` (JSON Schema 2020-12).
Every problem is reported as ``conftest.yml:LINE: key.path: message``, with "did you mean" for
misspelt keys. Paths are relative to the file's folder and may not leave it (no absolute paths,
no ``..`` escapes, no symlinks pointing out) unless ``--allow-outside-paths`` is given.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pathspec
import yaml

from sentinel.errors import SentinelError
from sentinel.init.foreign import read_buf, read_importlinter

if TYPE_CHECKING:
    from jsonschema import ValidationError

DEFAULT_FILES = ("conftest.yml", "conftest.yaml", "conftest.toml")
SECTIONS = ("extract", "bot", "params", "exceptions", "disable", "library")
# An alias-heavy YAML file ("billion laughs") expands to more nodes than any configuration needs.
MAX_NODES = 100_000

KeyPath = tuple[str | int, ...]


class ConfigError(SentinelError):
    """One or more problems in the configuration file, each on its own ``file:line: key: message`` line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type[ConfigError], tuple[list[str]]]:  # type: ignore[override]
        return (type(self), (self.problems,))


@dataclass
class Config:
    path: Path | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)
    lines: dict[KeyPath, int] = field(default_factory=dict)
    # Settings read from the repository's other tools (.importlinter, buf.yaml): what, from where.
    adopted: list[str] = field(default_factory=list)
    adopted_keys: set[KeyPath] = field(default_factory=set)

    def section(self, name: str) -> dict[str, Any]:
        value = self.sections.get(name, {})
        return value if isinstance(value, dict) else {}

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def use_library(self) -> bool:
        return self.sections.get("library", True) is not False

    @property
    def layers(self) -> dict[str, list[str]]:
        """The layers, declared once in ``extract.options.files.layers``."""
        options = self.section("extract").get("options") or {}
        return dict((options.get("files") or {}).get("layers") or {})

    def data_overlay(self) -> dict[str, Any]:
        """What the file adds to ``data``: params (with ``core.layers`` from the extract layers),
        exceptions and disabled rules, under ``sentinel``. Overrides the library's defaults."""
        sentinel: dict[str, Any] = {}
        params = json.loads(json.dumps(self.sections.get("params") or {}))
        if self.layers:
            params.setdefault("core", {})["layers"] = self.layers
        if params:
            sentinel["params"] = params
        if "exceptions" in self.sections:
            sentinel["exceptions"] = self.sections["exceptions"]
        if "disable" in self.sections:
            sentinel["disabled"] = self.sections["disable"]
        return {"sentinel": sentinel} if sentinel else {}

    def where(self, path: KeyPath) -> str:
        """``file:line: key.path`` for a key of this file (the nearest line known)."""
        return _where(str(self.path) if self.path else "config", self.lines, path)


def as_list(value: Any) -> list[str]:
    """Flags that are repeatable accept one string or a list in the file (as conftest's do)."""
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


def load_config(path: Path | None, required: bool = False, allow_outside: bool = False) -> Config:
    """Load and validate ``path`` (or the default file in the current directory when None)."""
    if path is None:
        path = find_config(Path.cwd())
        if path is None:
            config = Config()
            adopt_foreign(config)
            return config
    elif not path.is_file():
        raise SentinelError("config file not found", file=str(path))
    raw, lines = _read(path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SentinelError("config must be a mapping of settings", file=str(path), line=1)
    raw, lines = _normalise_top_level(raw, lines)
    validate(raw, str(path), lines)
    config = Config(path=path, lines=lines)
    for key, value in raw.items():
        if key in SECTIONS:
            config.sections[key] = value
        else:
            config.flags[key] = value
    if not allow_outside:
        confine_paths(config)
    _anchor_flag_paths(config)
    adopt_foreign(config)
    return config


# ---- other tools' configurations -----------------------------------------------------------

CONTRACT_TYPES = ("forbidden", "layers", "independence", "acyclic", "protected")
BUF_PROTO_KEYS = ("except", "ignore", "ignore_only")


def adopt_foreign(config: Config) -> None:
    """Read import-linter contracts when ``params.architecture`` declares none, and buf.yaml's
    breaking settings for every one of ``params.protocol.strictness`` and
    ``extract.options.proto.except|ignore|ignore_only`` the file leaves unset: teams keep their
    files and migrate without rewriting them. A file that cannot be read or translated is an
    error, never a silently weaker check."""
    root = config.root
    problems: list[str] = []
    params = config.sections.get("params") or {}
    architecture = params.get("architecture") or {}
    if not any(architecture.get(kind) for kind in CONTRACT_TYPES):
        contracts = read_importlinter(root)
        problems += contracts.problems
        if contracts.by_type and not contracts.problems:
            config.sections.setdefault("params", {}).setdefault("architecture", {}).update(contracts.by_type)
            count = sum(len(c) for c in contracts.by_type.values())
            config.adopted.append(f"{count} import contracts from {contracts.source}")
    buf = read_buf(root)
    if buf is not None:
        problems += buf.problems
        protocol = params.get("protocol") or {}
        proto = ((config.section("extract").get("options") or {}).get("proto")) or {}
        if not buf.problems:
            if "strictness" not in protocol:
                protocol_params = config.sections.setdefault("params", {}).setdefault("protocol", {})
                protocol_params["strictness"] = buf.strictness
                config.adopted.append(f"protocol strictness {buf.strictness} from {buf.source}")
            values = {"except": buf.except_rules, "ignore": buf.ignore, "ignore_only": buf.ignore_only}
            for key in BUF_PROTO_KEYS:
                if key not in proto and values[key]:
                    extract = config.sections.setdefault("extract", {})
                    extract.setdefault("options", {}).setdefault("proto", {})[key] = values[key]
                    config.adopted_keys.add(("extract", "options", "proto", key))
                    config.adopted.append(f"proto breaking {key} from {buf.source}")
    if problems:
        raise ConfigError(problems)


# ---- globs that match nothing --------------------------------------------------------------

# Glob lists outside ``params`` (where every ``paths`` / ``*_paths`` list holds globs).
_EXTRACT_GLOBS: tuple[KeyPath, ...] = (
    ("extract", "exclude"),
    ("extract", "include"),
    ("extract", "options", "proto", "ignore"),
    ("extract", "options", "todos", "registry_paths"),
    ("extract", "options", "techdebt", "paths"),
    ("extract", "options", "statemachines", "paths"),
    ("extract", "options", "safety", "paths"),
)


_EXTRACT_GLOB_MAPPINGS: tuple[KeyPath, ...] = (
    ("extract", "options", "secrets", "context_paths"),
    ("extract", "options", "proto", "ignore_only"),
)


def _get(value: Any, path: KeyPath) -> Any:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _globs_in(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, list):
        yield from (((*path, i), v) for i, v in enumerate(value) if isinstance(v, str))


def _param_globs(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if key == "paths" or str(key).endswith("_paths"):
            yield from _globs_in(item, (*path, key))
        else:
            yield from _param_globs(item, (*path, key))


def glob_values(config: Config) -> Iterator[tuple[KeyPath, str]]:
    """Every path glob the file declares: extract's include/exclude and path options, the layers,
    and each ``paths`` / ``*_paths`` list under ``params`` and ``bot``."""
    sections = config.sections
    for path in _EXTRACT_GLOBS:
        yield from _globs_in(_get(sections, path), path)
    layers = _get(sections, ("extract", "options", "files", "layers"))
    for name, globs in (layers or {}).items():
        yield from _globs_in(globs, ("extract", "options", "files", "layers", name))
    for mapping in _EXTRACT_GLOB_MAPPINGS:
        for name, globs in (_get(sections, mapping) or {}).items():
            yield from _globs_in(globs, (*mapping, name))
    yield from _param_globs(sections.get("params"), ("params",))
    yield from _param_globs(sections.get("bot"), ("bot",))


def unmatched_globs(config: Config, files: list[str]) -> list[str]:
    """``file:line: key: glob 'x' matches no file`` for each glob of the file that matches none of
    ``files`` (the repository's, repository-relative). Negations (``!x``) are not checked."""
    problems: list[str] = []
    file = str(config.path) if config.path else "config"
    for path, glob in glob_values(config):
        key = path[:-1] if isinstance(path[-1], int) else path
        if key in config.adopted_keys or glob.startswith("!") or not glob.strip():
            continue
        spec = pathspec.PathSpec.from_lines("gitwildmatch", [glob])
        if not any(spec.match_file(f) for f in files):
            line = _line(config.lines, path)
            where = f"{file}:{line}" if line else file
            problems.append(f"{where}: {_dotted(key)}: glob {glob!r} matches no file")
    return problems


def require_globs_match(config: Config, files: list[str]) -> None:
    """Raise ConfigError when a glob of the configuration matches no file of the repository."""
    if config.path is None:
        return
    problems = unmatched_globs(config, files)
    if problems:
        raise ConfigError(problems)


# ---- validation ----------------------------------------------------------------------------


@cache
def schema() -> dict[str, Any]:
    text = resources.files("sentinel").joinpath("schemas/config.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def validate(raw: dict[str, Any], file: str, lines: dict[KeyPath, int]) -> None:
    """Raise ConfigError listing every schema violation, sorted by line."""
    import jsonschema  # ~80 ms to import: paid only when a configuration file exists

    validator = jsonschema.Draft202012Validator(schema())
    found: list[tuple[int, str]] = []
    for error in validator.iter_errors(raw):
        for path, message in _describe(error):
            found.append((_line(lines, path) or 0, f"{_where(file, lines, path)}: {message}"))
    if found:
        raise ConfigError([text for _, text in sorted(set(found))])


def _describe(error: ValidationError) -> Iterator[tuple[KeyPath, str]]:
    path: KeyPath = tuple(error.absolute_path)
    custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted((error.schema.get("properties") or {}) if isinstance(error.schema, dict) else {})
        for key in sorted(set(error.instance) - set(known), key=str):
            yield (*path, key), _unknown_key(path, str(key), known)
        return
    if error.validator == "required":
        yield path, error.message.replace("is a required property", "is missing (required)")
        return
    got = f"got {_type_name(error.instance)} {_short(error.instance)}"
    if custom:
        yield path, f"{custom} ({got})"
    elif error.validator == "type":
        expected = error.validator_value
        names = expected if isinstance(expected, list) else [expected]
        yield path, f"must be {' or '.join(_article(n) for n in names)} ({got})"
    elif error.validator == "enum":
        yield path, f"must be one of {', '.join(map(repr, error.validator_value))} ({got})"
    elif error.validator in ("minimum", "exclusiveMinimum", "maximum", "minItems", "minLength"):
        yield path, f"{error.message} ({error.validator} {error.validator_value})"
    else:
        yield path, error.message


def _unknown_key(path: KeyPath, key: str, known: list[str]) -> str:
    if path == ("params", "core") and key == "layers":
        return "unknown key 'layers': layers are declared once, in extract.options.files.layers"
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (known keys: {', '.join(known) or 'none'})"
    return f"unknown key {key!r}{hint}"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, dict | list) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _article(name: str) -> str:
    return {"integer": "an integer", "array": "a list", "object": "a mapping", "null": "null"}.get(
        name, f"a {name}"
    )


def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _where(file: str, lines: dict[KeyPath, int], path: KeyPath) -> str:
    line = _line(lines, path)
    return f"{file}:{line}: {_dotted(path)}" if line else f"{file}: {_dotted(path)}"


# ---- paths ---------------------------------------------------------------------------------


def _path_values(schema_node: Any, value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """Every string of ``value`` that the schema marks ``x-path``."""
    if not isinstance(schema_node, dict):
        return
    if schema_node.get("x-path"):
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, list):
            yield from (((*path, i), v) for i, v in enumerate(value) if isinstance(v, str))
        return
    if isinstance(value, dict):
        props = schema_node.get("properties") or {}
        for key, item in value.items():
            yield from _path_values(props.get(key), item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _path_values(schema_node.get("items"), item, (*path, i))


def confine_paths(config: Config) -> None:
    """Refuse configured paths that leave the configuration's folder (hostile repositories)."""
    root = config.root.resolve()
    raw = {**config.flags, **config.sections}
    problems: list[str] = []
    for path, value in _path_values(schema(), raw, ()):
        reason = outside_reason(root, value)
        if reason:
            problems.append(
                f"{config.where(path)}: {value!r} {reason}; paths are relative to the configuration's "
                "folder and stay inside it (--allow-outside-paths permits this)"
            )
    if problems:
        raise ConfigError(problems)


def outside_reason(root: Path, value: str) -> str | None:
    """Why ``value`` (relative to ``root``) is not inside ``root``, or None when it is."""
    if value == "-":
        return None
    candidate = Path(value)
    if candidate.is_absolute() or value.startswith("~"):
        return "is an absolute path"
    if ".." in candidate.parts and not (root / candidate).resolve().is_relative_to(root):
        return "points outside the repository through '..'"
    if not (root / candidate).resolve().is_relative_to(root):
        return "points outside the repository through a symlink"
    return None


def _anchor_flag_paths(config: Config) -> None:
    """Flag paths are relative to the file; the commands resolve them against the working directory."""
    if config.path is None or config.root.resolve() == Path.cwd().resolve():
        return
    props = schema()["properties"]
    for key, value in list(config.flags.items()):
        if not (props.get(key) or {}).get("x-path"):
            continue
        if isinstance(value, str) and value != "-":
            config.flags[key] = os.path.join(config.root, value)
        elif isinstance(value, list):
            config.flags[key] = [os.path.join(config.root, str(v)) for v in value]


# ---- reading -------------------------------------------------------------------------------


def _normalise_top_level(
    raw: dict[Any, Any], lines: dict[KeyPath, int]
) -> tuple[dict[str, Any], dict[KeyPath, int]]:
    """Top-level keys may be spelt like flags (``fail-on-warn``) or with underscores."""
    out: dict[str, Any] = {}
    new_lines: dict[KeyPath, int] = {}
    renamed: dict[Any, str] = {key: str(key).replace("-", "_") for key in raw}
    for key, value in raw.items():
        out[renamed[key]] = value
    for path, line in lines.items():
        if path and path[0] in renamed:
            new_lines[(renamed[path[0]], *path[1:])] = line
        else:
            new_lines[path] = line
    return out, new_lines


def _read(path: Path) -> tuple[Any, dict[KeyPath, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SentinelError(f"cannot read config: {exc}", file=str(path)) from exc
    if path.suffix == ".toml":
        try:
            return tomllib.loads(text), {}
        except tomllib.TOMLDecodeError as exc:
            raise SentinelError(f"invalid TOML: {exc}", file=str(path)) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            return None, {}
        lines: dict[KeyPath, int] = {}
        _count_nodes(node, {}, str(path))
        _collect_lines(node, (), lines, set())
        return yaml.safe_load(text), lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise SentinelError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}", file=str(path), line=line
        ) from exc


def _count_nodes(node: yaml.Node, memo: dict[int, int], file: str) -> int:
    """Nodes after alias expansion, counted without expanding (memoised per node)."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 1
    total = 1
    if isinstance(node, yaml.MappingNode):
        total += sum(_count_nodes(k, memo, file) + _count_nodes(v, memo, file) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        total += sum(_count_nodes(item, memo, file) for item in node.value)
    if total > MAX_NODES:
        raise SentinelError(f"config expands to more than {MAX_NODES} values (YAML aliases)", file=file)
    memo[id(node)] = total
    return total


def _collect_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            child = (*path, key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            _collect_lines(value_node, child, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines.setdefault(child, item.start_mark.line + 1)
            _collect_lines(item, child, lines, seen)
