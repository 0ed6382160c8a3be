"""Input-format parsers for the conftest-compatible runner: the registry and the file reader.

One module per format (``json_parser.py``, ``yaml_parser.py``, ...), each a class conforming to
:class:`sentinel.parsers.base.Parser`. Modules are imported only when their format is used, so
a run over JSON files never loads the HCL or Jsonnet machinery.

The parser names are conftest's ``--parser`` values, and :func:`parser_name_for_path` follows
conftest's rules (its ``parser/parser.go``) for choosing a parser from a file name: a file
without an extension that none of them names (``LICENSE``) is refused, as conftest refuses it.

Reading is bounded and never blocks: only regular files are read (a FIFO, socket or device is
refused after a non-blocking open), in chunks, and anything past ``max_bytes`` is refused before
it is all in memory, for files and standard input alike.
"""

from __future__ import annotations

import functools
import importlib
import os
import stat
from collections.abc import Sequence
from typing import IO, Any

from sentinel.errors import ParseError, SentinelError, UsageError
from sentinel.parsers._common import SURROGATE_ESCAPE, excerpt, fail, without_surrogates
from sentinel.parsers.base import Parser

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024

# name -> (module, class): the formats we parse.
_PARSERS: dict[str, tuple[str, str]] = {
    "codeowners": ("codeowners_parser", "CodeownersParser"),
    "cyclonedx": ("cyclonedx_parser", "CycloneDxParser"),
    "dockerfile": ("dockerfile_parser", "DockerfileParser"),
    "dotenv": ("dotenv_parser", "DotenvParser"),
    "edn": ("edn_parser", "EdnParser"),
    "hcl1": ("hcl1_parser", "Hcl1Parser"),
    "hcl2": ("hcl2_parser", "Hcl2Parser"),
    "hocon": ("hocon_parser", "HoconParser"),
    "ignore": ("ignore_parser", "IgnoreParser"),
    "ini": ("ini_parser", "IniParser"),
    "json": ("json_parser", "JsonParser"),
    "jsonc": ("jsonc_parser", "JsoncParser"),
    "jsonnet": ("jsonnet_parser", "JsonnetParser"),
    "nginx": ("nginx_parser", "NginxParser"),
    "properties": ("properties_parser", "PropertiesParser"),
    "spdx": ("spdx_parser", "SpdxParser"),
    "textproto": ("textproto_parser", "TextprotoParser"),
    "toml": ("toml_parser", "TomlParser"),
    "xml": ("xml_parser", "XmlParser"),
    "yaml": ("yaml_parser", "YamlParser"),
}

# conftest parsers we know but do not provide, and why.
UNSUPPORTED: dict[str, str] = {
    "cue": "no maintained Python CUE evaluator exists; run `cue export --out json` and parse the JSON",
    "groovy": (
        "conftest gives the concrete syntax tree of its own Go Groovy parser, which no Python "
        "library reproduces; check Jenkinsfiles with another tool"
    ),
    "vcl": "no maintained Python parser for Varnish VCL exists",
}

# File extensions conftest maps to a parser other than the one named like the extension.
_EXTENSIONS: dict[str, str] = {
    "yml": "yaml",
    "ndjson": "json",
    "hcl": "hcl2",
    "tf": "hcl2",
    "tfvars": "hcl2",
    "gitignore": "ignore",
    "dockerignore": "ignore",
    "env": "dotenv",
    "textpb": "textproto",
}
# Extensions conftest checks before the file names below (so ``Jenkinsfile.yaml`` is YAML).
_EARLY_EXTENSIONS = ("yml", "yaml", "hcl", "tf", "tfvars", "gitignore", "dockerignore", "env")


def names() -> list[str]:
    """The parsers ``--parser`` accepts, sorted."""
    return sorted(_PARSERS)


def get_parser(name: str, proto_file_dirs: Sequence[str] = ()) -> Parser:
    """The parser called ``name`` (a conftest ``--parser`` value). ``proto_file_dirs`` (conftest's
    ``--proto-file-dirs``) are the folders of ``.proto`` files the textproto parser reads."""
    if name in UNSUPPORTED:
        raise UsageError(f"unsupported parser {name!r}: {UNSUPPORTED[name]}")
    if name not in _PARSERS:
        raise UsageError(f"unknown parser {name!r}; choose one of: {', '.join(names())}")
    if name == "textproto" and proto_file_dirs:
        return _textproto(tuple(proto_file_dirs))
    return _instance(name)


@functools.cache
def _textproto(proto_file_dirs: tuple[str, ...]) -> Parser:
    """One textproto parser per set of folders, so their ``.proto`` files are compiled once."""
    from sentinel.parsers.textproto_parser import TextprotoParser

    return TextprotoParser(proto_file_dirs)


@functools.cache
def _instance(name: str) -> Parser:
    """Parsers hold no state, so one instance per format serves every file (imported on first use)."""
    module_name, class_name = _PARSERS[name]
    module = importlib.import_module(f"{__name__}.{module_name}")
    parser: Parser = getattr(module, class_name)()
    return parser


def _extension(base: str) -> str | None:
    """The extension as Go's filepath.Ext sees it: after the last dot, so ``.env`` has ``env``.
    None when the name has no dot at all."""
    dot = base.rfind(".")
    return None if dot < 0 else base[dot + 1:]


def parser_name_for_path(path: str) -> str | None:
    """The parser conftest picks for ``path`` from its name, or None when it cannot tell.

    Dockerfiles: ``Dockerfile``, ``Dockerfile.*``, ``*.dockerfile``; dotenv: ``.env``, ``.env.*``,
    ``*.env``; ``nginx.conf``; groovy: ``Jenkinsfile``, ``Jenkinsfile.*``; ``CODEOWNERS``;
    otherwise the extension (``.yml``/``.yaml``, ``.tf``/``.tfvars``/``.hcl``,
    ``.gitignore``/``.dockerignore``, ``.textpb``/``.textproto``, ``.ndjson``, or any parser's own
    name such as ``.toml``). Names are compared in lower case. Any other file without an extension
    (``LICENSE``) is None, an error as in conftest (``unknown parser``), with a hint to pass
    ``--parser``. Standard input (``-``) is YAML, as in conftest.
    """
    if path == "-":
        return "yaml"
    base = os.path.basename(path).lower()
    ext = _extension(base)
    if base == "dockerfile" or base.startswith("dockerfile.") or ext == "dockerfile":
        return "dockerfile"
    if ext in _EARLY_EXTENSIONS:
        return _EXTENSIONS.get(ext, ext)
    if base == ".env" or base.startswith(".env."):
        return "dotenv"
    if base == "nginx.conf":
        return "nginx"
    if base == "jenkinsfile" or base.startswith("jenkinsfile."):
        return "groovy"
    if base == "codeowners":
        return "codeowners"
    if ext is None:
        return None
    name = _EXTENSIONS.get(ext, ext)
    if name in _PARSERS or name in UNSUPPORTED:
        return name
    return None


def can_parse(path: str) -> bool:
    """Whether a directory walk should pick up ``path``: a format we parse, known by its name."""
    name = parser_name_for_path(path)
    return name is not None and name not in UNSUPPORTED


def parser_for_path(path: str, proto_file_dirs: Sequence[str] = ()) -> Parser:
    """The parser for ``path`` by its name (see :func:`parser_name_for_path`)."""
    name = parser_name_for_path(path)
    if name is None:
        raise ParseError("cannot tell the input format from the file name; pass --parser", file=path)
    if name in UNSUPPORTED:
        raise ParseError(f"unsupported parser {name!r}: {UNSUPPORTED[name]}", file=path)
    return get_parser(name, proto_file_dirs)


def _kind(mode: int) -> str | None:
    """What a non-regular file is, for the error message; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def check_regular(path: str) -> None:
    """ParseError unless ``path`` (a symlink followed) is a regular file: a directory walk calls
    this before anything is opened, so a FIFO or socket in an input folder is named, not read."""
    try:
        kind = _kind(os.stat(path).st_mode)
    except FileNotFoundError:
        raise ParseError("input file does not exist (a dangling symlink?)", file=path) from None
    except OSError as exc:
        raise ParseError(f"cannot read the input file: {exc.strerror or exc}", file=path) from None
    if kind is not None:
        raise ParseError(f"is {kind}, not an input file", file=path)


def read_limited(stream: IO[bytes], max_bytes: int, name: str = "-") -> bytes:
    """Up to ``max_bytes`` from ``stream`` in chunks; ParseError as soon as there is more, so an
    oversized input (a pipe, standard input) is refused before it is all in memory."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise ParseError(f"input is over the {max_bytes}-byte limit", file=name)
        chunks.append(chunk)


def read_regular_file(path: str, max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``max_bytes``. The open never blocks
    (``O_NONBLOCK``): a FIFO, socket or device is refused instead of hanging the run."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ParseError("input file does not exist", file=path) from None
    except IsADirectoryError:
        raise ParseError("is a directory, not an input file", file=path) from None
    except PermissionError:
        raise ParseError("permission denied reading the input file", file=path) from None
    except OSError as exc:
        raise ParseError(f"cannot read the input file: {exc.strerror or exc}", file=path) from None
    info = os.fstat(fd)
    kind = _kind(info.st_mode)
    if kind is not None:
        os.close(fd)
        raise ParseError(f"is {kind}, not an input file", file=path)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        if info.st_size > max_bytes:
            raise ParseError(f"file is {info.st_size} bytes, over the {max_bytes}-byte limit", file=path)
        try:
            return read_limited(handle, max_bytes, path)
        except OSError as exc:
            raise ParseError(f"cannot read the input file: {exc.strerror or exc}", file=path) from None


def _decode(data: bytes, filename: str) -> str:
    if b"\x00" in data:
        raise ParseError("binary file (contains NUL bytes), not a text input", file=filename)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        raise ParseError(f"not UTF-8 text (invalid byte 0x{byte:02x})", file=filename, line=line) from None


def _run(parser: Parser, text: str, filename: str) -> Any:
    """Run one parser; any failure becomes a ParseError naming the file, never a traceback.
    Lone surrogates from escapes become U+FFFD (the walk only runs when the text has such an escape)."""
    try:
        value = parser.parse(text, filename)
        return without_surrogates(value) if SURROGATE_ESCAPE.search(text) else value
    except SentinelError:
        raise
    except RecursionError:
        raise ParseError(f"invalid {parser.name}: nested too deeply", file=filename) from None
    except MemoryError:
        raise ParseError(f"invalid {parser.name}: out of memory", file=filename) from None
    except Exception as exc:
        # Library messages may quote the input: keep only a short first line.
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise fail(filename, f"invalid {parser.name}: {excerpt(detail, 60)}") from None


def parse_bytes(
    data: bytes, filename: str, parser: str | None = None, proto_file_dirs: Sequence[str] = ()
) -> Any:
    """Parse ``data`` read from ``filename`` (the parser picked by name when ``parser`` is None)."""
    chosen = get_parser(parser, proto_file_dirs) if parser else parser_for_path(filename, proto_file_dirs)
    return _run(chosen, _decode(data, filename), filename)


def parse_file(
    path: str, parser: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
    proto_file_dirs: Sequence[str] = (),
) -> Any:
    """Read and parse one input file; ParseError (naming the file, and the line when known) on
    anything that is not a readable, parseable text file within ``max_bytes``."""
    chosen = get_parser(parser, proto_file_dirs) if parser else parser_for_path(path, proto_file_dirs)
    data = read_regular_file(path, max_bytes)
    return _run(chosen, _decode(data, path), path)


def parse_stdin(
    text: str | bytes, parser: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
    proto_file_dirs: Sequence[str] = (),
) -> Any:
    """Parse standard input (the ``-`` file) already read with :func:`read_limited`. Without
    ``parser`` it is JSON or YAML, as with conftest, whose default for stdin is YAML (which JSON
    is, mostly: JSON is tried first)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if len(data) > max_bytes:
        raise ParseError(f"input is over the {max_bytes}-byte limit", file="-")
    decoded = _decode(data, "-")
    if parser:
        return _run(get_parser(parser, proto_file_dirs), decoded, "-")
    try:
        return _run(get_parser("json"), decoded, "-")
    except ParseError:
        return _run(get_parser("yaml"), decoded, "-")


def combine(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    """conftest's ``--combine`` document: ``[{"path": file, "contents": document}]`` sorted by path
    (stable), one entry per document, so a file that holds a list of documents (multi-document
    YAML, a Dockerfile) gives one entry for each."""
    entries: list[dict[str, Any]] = []
    for path in sorted(parsed):
        value = parsed[path]
        for document in value if isinstance(value, list) else [value]:
            entries.append({"path": path, "contents": document})
    return entries
