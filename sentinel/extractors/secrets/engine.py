"""detect-secrets, run in-process on selected lines (see ``prefilter``).

The detection itself is the library's: its plugins, its filters (heuristics, ``pragma: allowlist
secret``, regex exclusions), its file transformers (YAML, INI) and its hashing. What is ours is the
order of work: per file, the prefilter picks candidate lines, and only those go through the same
steps as ``detect_secrets.core.scan._process_line_based_plugins`` (line filters, every plugin,
secret filters), with the code snippet taken from the whole file as the library does.

detect-secrets keeps its settings in process-global state; every batch runs inside
``transient_settings`` so the state is restored afterwards, and worker processes configure
themselves from the same JSON-able settings.
"""

from __future__ import annotations

import configparser
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from detect_secrets.core import scan as ds_scan
from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
from detect_secrets.plugins.keyword import KeywordDetector
from detect_secrets.settings import get_filters, get_plugins, get_settings, transient_settings
from detect_secrets.transformers import config as ds_config
from detect_secrets.transformers import get_transformed_file
from detect_secrets.types import NamedIO
from detect_secrets.util.code_snippet import get_code_snippet

from sentinel.extractors.base import problem
from sentinel.extractors.secrets import filters, prefilter
from sentinel.extractors.secrets.mask import excerpt

# Importing detect-secrets replaces configparser.ParsingError process-wide with a subclass that
# drops the line numbers of INI errors (a speed-up for its own scans). Restore the standard class,
# so that other INI parsing in this process (the `ini` input parser) still reports lines;
# detect-secrets catches configparser.Error, so it works with either class.
configparser.ParsingError = ds_config.EfficientParsingError.__bases__[0]  # type: ignore[misc,assignment]

# Never call out to the network to verify a secret (and keep the output deterministic).
VERIFICATION_FILTER = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
# We hand the scanner files we have already read; detect-secrets' existence check would resolve
# repository-relative names against the working directory.
INVALID_FILE_FILTER = "detect_secrets.filters.common.is_invalid_file"
# Files over the size limit are scanned in pieces of the limit's size, but never smaller than this.
MIN_BLOCK = 1 << 16
# Bytes of a cut line that the next piece repeats (longer than any token a detector matches).
OVERLAP = 4096


@dataclass(frozen=True)
class RawFinding:
    file: str
    line: int
    type: str
    plugin: str
    hashed_secret: str


@dataclass(frozen=True)
class Batch:
    root: str
    files: tuple[str, ...]
    settings: dict[str, Any]
    max_file_bytes: int


class _NamedText(io.StringIO):
    """What detect-secrets' transformers expect of a file (``NamedIO``): text with a ``name``."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


def _named(text: str, name: str) -> NamedIO:
    return cast(NamedIO, _NamedText(text, name))


class Gates:
    """The prefilter for the plugins in force; KeywordDetector's patterns depend on the file type."""

    def __init__(self) -> None:
        self.common: list[prefilter.PluginGate] = []
        self.keyword = False
        self._by_type: dict[Any, list[prefilter.PluginGate]] = {}
        for plugin in get_plugins():
            name = type(plugin).__name__
            if isinstance(plugin, HighEntropyStringsPlugin):
                entropy = plugin.calculate_shannon_entropy
                gate = prefilter.entropy_gate(plugin.charset, plugin.entropy_limit, entropy)
                self.common.append(prefilter.PluginGate(name, [gate]))
            elif isinstance(plugin, KeywordDetector):
                self.keyword = True
            elif isinstance(plugin, RegexBasedDetector):
                self.common.append(prefilter.PluginGate(name, prefilter.gate_for_patterns(plugin.denylist)))
            else:
                self.common.append(prefilter.PluginGate(name, every_line=True))

    def for_file(self, filename: str) -> list[prefilter.PluginGate]:
        if not self.keyword:
            return self.common
        from detect_secrets.plugins import keyword
        from detect_secrets.util.filetype import determine_file_type

        filetype = determine_file_type(filename)
        gates = self._by_type.get(filetype)
        if gates is None:
            table = keyword.REGEX_BY_FILETYPE.get(filetype, keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
            kw = prefilter.PluginGate(KeywordDetector.__name__, prefilter.gate_for_patterns(list(table)))
            gates = self._by_type[filetype] = [*self.common, kw]
        return gates


def _ours_filtered(filename: str, line: str, value: str | None, binary_data: Sequence[str]) -> bool:
    """Our filters (``filters``), after the library's: own-name values, VCS revisions, notebook
    image data."""
    if value is None:
        return False
    if filters.is_own_name(value, line) or filters.is_vcs_revision(value, line, filename):
        return True
    return filename.endswith(".ipynb") and filters.is_binary_output(value, line, binary_data)


def _scan_lines(filename: str, lines: list[str], gates: Gates, first_line: int = 1,
                binary_data: Sequence[str] = ()) -> list[PotentialSecret]:
    index = prefilter.LineIndex(lines)
    out: list[PotentialSecret] = []
    plugins = get_plugins()
    for i in prefilter.candidate_lines(index, gates.for_file(filename)):
        number = first_line + i
        line = index.lines[i]
        snippet = get_code_snippet(lines=lines, line_number=i + 1)
        if ds_scan._is_filtered_out(
            required_filter_parameters=["line"], filename=filename, line=line, context=snippet
        ):
            continue
        for plugin in plugins:
            for secret in ds_scan._scan_line(
                plugin=plugin, filename=filename, line=line, line_number=number, context=snippet
            ):
                if not ds_scan._is_filtered_out(
                    required_filter_parameters=["context"],
                    filename=secret.filename,
                    secret=secret.secret_value,
                    plugin=plugin,
                    line=line,
                    context=snippet,
                ) and not _ours_filtered(filename, line, secret.secret_value, binary_data):
                    out.append(secret)
    return out


# detect-secrets' transformers, in its order: INI on every file, INI with a header added
# (eager: tried only on files of type OTHER), YAML. The shortcuts below assume exactly these.
_KNOWN_TRANSFORMERS = ("ConfigFileTransformer", "EagerConfigFileTransformer", "YAMLTransformer")


def _known_transformers() -> bool:
    from detect_secrets.transformers import get_transformers

    transformers: Iterable[Any] = get_transformers()
    return tuple(type(t).__name__ for t in transformers) == _KNOWN_TRANSFORMERS


# A line ``configparser`` cannot read: not indented (so no continuation), not a comment or a
# section header, and without a delimiter. It records an error, and raises it after reading.
_BAD_INI_LINE = re.compile(r"^[^\s#;\[=:][^\n=:]*$", re.MULTILINE)


def ini_may_parse(text: str, header_added: bool = False) -> bool:
    """False when detect-secrets' INI reader must fail on ``text`` (``header_added``: as the eager
    reader does, with a ``[global]`` line put first).

    ``configparser`` reads lines split at ``\\n``, skips blank ones and whole-line comments
    (``#``, ``;``), raises ``MissingSectionHeaderError`` unless the first other line is a section
    header, and fails on any line of :data:`_BAD_INI_LINE`; a text with no section at all is
    refused by detect-secrets' reader too.
    """
    if _BAD_INI_LINE.search(text):
        return False
    if header_added:
        return True
    pos = 0
    while True:
        end = text.find("\n", pos)
        value = (text[pos:] if end < 0 else text[pos:end]).strip()
        if value and not value.startswith(("#", ";")):
            return value.startswith("[")
        if end < 0:
            return False
        pos = end + 1


def _plain_lines_only(filename: str, text: str) -> bool:
    """Whether detect-secrets reads ``text`` as plain lines only: not YAML, and its INI readers
    must fail (the eager one is tried only on files of type OTHER)."""
    from detect_secrets.util.filetype import FileType, determine_file_type

    kind = determine_file_type(filename)
    if kind == FileType.YAML or ini_may_parse(text):
        return False
    return (kind != FileType.OTHER or not ini_may_parse(text, header_added=True)) and _known_transformers()


def _transformed(handle: NamedIO, text: str) -> list[str] | None:
    """``get_transformed_file(handle)``, without building a ``ConfigParser`` that must fail."""
    from detect_secrets.util.filetype import FileType, determine_file_type

    yaml = determine_file_type(handle.name) == FileType.YAML
    if not ini_may_parse(text) and not yaml and _known_transformers():
        return None
    return get_transformed_file(handle)


def scan_text(filename: str, text: str, gates: Gates) -> list[PotentialSecret]:
    """detect-secrets' ``scan_file`` on text already read: plain (or transformed) lines first,
    the eager transformers only when that found nothing. A file read as plain lines where no
    gate can match (``prefilter.file_may_match``) is not split into lines at all."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _plain_lines_only(filename, text) and not prefilter.file_may_match(text, gates.for_file(filename)):
        return []
    handle = _named(text, filename)
    lines = _transformed(handle, text) or handle.readlines()
    binary = filters.notebook_binary_data(text) if filename.endswith(".ipynb") else []
    found = _scan_lines(filename, lines, gates, binary_data=binary)
    if found:
        return found
    if not ini_may_parse(text, header_added=True) and _known_transformers():
        return []
    handle.seek(0)
    eager = get_transformed_file(handle, use_eager_transformers=True)
    return _scan_lines(filename, eager, gates, binary_data=binary) if eager else []


@dataclass
class BatchResult:
    findings: list[RawFinding]
    problems: list[dict[str, Any]]
    scanned: int
    # The files scanned (not filtered out by name, readable): what the cache keeps per file.
    scanned_files: list[str] = field(default_factory=list)


def _configure() -> None:
    get_settings().disable_filters(VERIFICATION_FILTER, INVALID_FILE_FILTER)
    get_filters.cache_clear()


def decode(data: bytes) -> str:
    """Bytes as text for the detectors: invalid UTF-8 becomes U+FFFD, NUL bytes stay.

    A stray byte or a NUL is no reason to skip a file: the detectors' patterns are ASCII, so a key
    next to a bad byte is still found (detect-secrets itself skips such files).
    """
    return data.decode("utf-8", errors="replace")


def _normalised(data: bytes) -> str:
    return decode(data).replace("\r\n", "\n").replace("\r", "\n")


def segments(path: str, block: int) -> Iterator[tuple[int, str]]:
    """A file over the size limit as (first line number, text) pieces of about ``block`` bytes.

    Pieces end at a line break. A line longer than a block is cut, and the next piece repeats the
    cut line's last ``OVERLAP`` bytes, so a secret across the cut is still seen whole (findings
    are deduplicated per file). Memory stays at a few blocks whatever the file's size.
    """
    first = 1
    carry = b""
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(block)
            buf = carry + chunk
            if not chunk:
                if buf:
                    yield first, _normalised(buf)
                return
            cut = buf.rfind(b"\n") + 1
            if cut == 0 and len(buf) < block:
                carry = buf
                continue
            if cut:
                piece, carry = buf[:cut], buf[cut:]
            elif buf.endswith(b"\r"):
                piece, carry = buf[:-1], b"\r"
            else:
                tail = buf[-OVERLAP:]
                piece, carry = buf, tail[tail.rfind(b"\r") + 1 :]
            text = _normalised(piece)
            yield first, text
            first += text.count("\n")


def _scan_file(batch: Batch, rel: str, gates: Gates) -> list[PotentialSecret]:
    """Secrets of one file. A file over the size limit is read in pieces and scanned as plain
    lines, without detect-secrets' YAML and INI transformers (they need the whole file)."""
    path = os.path.join(batch.root, rel)
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size <= batch.max_file_bytes:
            return scan_text(rel, decode(handle.read()), gates)
    found: list[PotentialSecret] = []
    for first, text in segments(path, max(batch.max_file_bytes, MIN_BLOCK)):
        if not prefilter.file_may_match(text, gates.for_file(rel)):
            continue
        found.extend(_scan_lines(rel, io.StringIO(text).readlines(), gates, first_line=first))
    return found


# Gates per settings, in this process: building them compiles a few hundred patterns (about 0.3 s),
# and a worker runs several batches with the same settings.
_GATES: dict[str, Gates] = {}


def _gates(settings: dict[str, Any]) -> Gates:
    """The gates for ``settings`` (in force: detect-secrets' plugins are built from them)."""
    key = json.dumps(settings, sort_keys=True, default=repr)
    gates = _GATES.get(key)
    if gates is None:
        gates = _GATES[key] = Gates()
    return gates


def scan_batch(batch: Batch) -> BatchResult:
    """Scan some files (module-level so worker processes can run it)."""
    findings: list[RawFinding] = []
    problems: list[dict[str, Any]] = []
    scanned = 0
    scanned_files: list[str] = []
    with transient_settings(batch.settings):
        _configure()
        gates = _gates(batch.settings)
        for rel in batch.files:
            if ds_scan._is_filtered_out(required_filter_parameters=["filename"], filename=rel):
                continue
            try:
                found = _scan_file(batch, rel, gates)
            except OSError as exc:
                problems.append(problem(rel, f"cannot read file: {exc.strerror or exc}", code="unreadable"))
                continue
            except Exception as exc:  # a library transformer or plugin failing on odd input
                problems.append(
                    problem(rel, f"detect-secrets could not scan this file: {excerpt(repr(exc), 160)}",
                            code="scan_error")
                )
                continue
            scanned += 1
            scanned_files.append(rel)
            findings.extend(_dedupe(rel, found))
    return BatchResult(findings, problems, scanned, scanned_files)


def _dedupe(rel: str, secrets: Sequence[PotentialSecret]) -> Iterator[RawFinding]:
    """One finding per (type, secret) per file, at its first line: detect-secrets' identity."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: dict[str, Any] = get_mapping_from_secret_type_to_class()
    seen: set[tuple[str, str]] = set()
    for secret in sorted(secrets, key=lambda s: s.line_number):
        key = (secret.type, secret.secret_hash)
        if key in seen:
            continue
        seen.add(key)
        cls = classes.get(secret.type)
        yield RawFinding(
            file=rel,
            line=secret.line_number,
            type=secret.type,
            plugin=cls.__name__ if cls is not None else secret.type,
            hashed_secret=secret.secret_hash,
        )


def describe(settings: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Plugin class names and filter paths in force for ``settings`` (for the document)."""
    with transient_settings(settings):
        _configure()
        plugins = sorted(type(p).__name__ for p in get_plugins())
        filters = sorted(get_settings().filters)
    return plugins, filters
