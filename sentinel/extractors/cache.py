"""A content-addressed cache of per-file extractor results that cannot serve a stale record.

A kind maps a pure function over its files (one file's bytes and the kind's options in, that
file's records out); :func:`map_files` runs it only for the files whose result is not cached and
rebuilds everything cross-file from the per-file results each run, exactly as without the cache.

The key of one file's result is the SHA-256 of:

- the cache format, the kind, the kind's ``CACHE_VERSION`` constant (bumped when its output
  changes) and the hash of every source file of ``sentinel/extractors`` (so an edited extractor,
  even one whose version nobody bumped, never meets its old records);
- the kind's options as canonical JSON, the per-file size limit and whatever else the caller
  passes as ``salt``;
- the Python version (``ast``) and the versions of the parsing libraries (tree-sitter and its
  grammars, detect-secrets, grimp);
- the file's repository path and the SHA-256 of its bytes.

The records of one kind and namespace (everything in the key but the file) live in one pack,
``<cache_dir>/v1/<namespace>.json``: ``{key: record}`` with the key the hash of the file's path
and content. A pack is JSON data only (never pickle) naming its own namespace, read with a size
limit; a pack that does not parse, is not a regular file or names another namespace, and a record
whose shape the decoder does not know, are misses, never errors. Results that depend on the clock
(a per-file timeout) are never stored. A pack is rewritten (temporary file renamed into place)
with this run's files only when something changed; the folder is pruned, least recently used
pack first, to a byte budget.

File digests are remembered across runs in a stat memo (like git's index): one pack per
repository root mapping a path and its ``lstat`` (size, mtime_ns, ctime_ns, inode, device) to the
SHA-256 of its bytes, so a warm run reads and hashes only files whose stat changed. An entry is
written only when the file's mtime and ctime are older than the moment its hashing started, less
:data:`RACY_NS` (git's "racily clean" rule): any later write moves the ctime past that moment,
so a same-size edit within one timestamp tick cannot meet a trusted entry. The same stat check,
against the stat captured at lookup, tells :meth:`CachedRun.store` that a file was not edited
during the run; only when the stat moved is the file hashed again. The rule needs a ctime that
every write moves (POSIX); on Windows, where ``st_ctime`` is the creation time, files are always
hashed.

Trust: the cache folder is trusted exactly as much as the repository. A pack is only checked for
shape, so whoever can write the folder can already plant well-formed wrong records under the keys
of real content; a forged memo entry can do no more than that (map a file's current stat to the
digest of other content, whose records are then used). Forgery can never crash a run or read
outside the repository: malformed packs, records and memo entries are misses. A shared CI cache
must therefore be written only by jobs that may also write the repository.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import json
import math
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson

from sentinel.extractors.base import ExtractContext, parallel_map
from sentinel.extractors.errors import ExtractorUsageError

T = TypeVar("T")
R = TypeVar("R")

CACHE_FORMAT = 1
DEFAULT_CACHE_DIR = ".sentinel/cache"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
# A pack bigger than this is not read, whatever the budget: a cache folder may be written by anyone.
MAX_PACK_BYTES = 64 * 1024 * 1024
_PACK_NAME = re.compile(r"(?:\.tmp-[A-Za-z0-9_]+)?[0-9a-f]{64}\.json|\.tmp-[A-Za-z0-9_]+\.json")
# Pruning keeps this share of the budget, so that the next runs do not prune again at once.
_PRUNE_TO = 0.8
# Distributions whose version changes what a parser sees.
_LIBRARIES = (
    "tree-sitter", "tree-sitter-elixir", "tree-sitter-go", "tree-sitter-javascript",
    "tree-sitter-rust", "tree-sitter-typescript", "detect-secrets", "grimp", "protobuf",
)
_PACKAGE = Path(__file__).resolve().parent
# A stat is trusted only for files last changed this long before their hashing began: more than
# any filesystem's timestamp granularity (FAT: 2 s) and the lag of the kernel's coarse clock.
RACY_NS = 3_000_000_000
# The rule needs a ctime that every write moves (POSIX); Windows reports the creation time there.
_CTIME_TRACKS_WRITES = os.name != "nt"
# (size, mtime_ns, ctime_ns, inode, device) of a regular file.
Stat = tuple[int, int, int, int, int]


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Without the cycle collector: reading a pack builds millions of small acyclic containers,
    and the collections they set off cost more than the parsing (3x on Django's largest pack)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Uncacheable(Exception):
    """A value the record format cannot hold exactly; the result is used but not stored."""


class CorruptRecord(Exception):
    """A record that is not what this version writes; treated as a miss."""



def code_fingerprint(package: Path = _PACKAGE) -> str:
    """SHA-256 over the path and bytes of every ``.py`` file under ``package``."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def library_versions() -> dict[str, str | None]:
    from importlib import metadata

    versions: dict[str, str | None] = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def canonical(value: Any) -> str:
    """Canonical JSON (sorted keys, no spaces); what YAML may hold that JSON cannot is ``str``-ed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class FileCache:
    """One run's view of a cache directory (file digests are remembered for the run)."""

    def __init__(
        self,
        directory: Path,
        max_bytes: int = DEFAULT_MAX_BYTES,
        fingerprint: str | None = None,
        *,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._fingerprint = fingerprint
        self._clock = clock
        self._libraries: dict[str, str | None] | None = None
        self._digests: dict[tuple[str, str], str | None] = {}
        # The stat each digest was taken at, if it may be trusted (see the module docstring).
        self._stats: dict[tuple[str, str], Stat] = {}
        # Per root: the stat memo read from the folder, and what this run writes back.
        self._memos: dict[str, dict[str, Any]] = {}
        self._seen: dict[str, dict[str, list[Any]]] = {}
        self._dirty: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.hashed = 0  # files read and hashed this run (the rest came from the stat memo)

    def __reduce__(self) -> tuple[type[FileCache], tuple[Path, int, str | None]]:
        # A context sent to a worker process carries the cache light: no digests, no counts.
        return (type(self), (self.directory, self.max_bytes, self._fingerprint))

    # ---- keys ------------------------------------------------------------------------------

    def namespace(
        self, kind: str, version: int, options: dict[str, Any], salt: Any, max_file_bytes: int
    ) -> str:
        if self._fingerprint is None:
            self._fingerprint = code_fingerprint()
        if self._libraries is None:
            self._libraries = library_versions()
        head = {
            "format": CACHE_FORMAT,
            "kind": kind,
            "version": version,
            "code": self._fingerprint,
            "libraries": self._libraries,
            "options": options,
            "salt": salt,
            "max_file_bytes": max_file_bytes,
        }
        return hashlib.sha256(canonical(head).encode()).hexdigest()

    def digest(self, root: Path, rel: str, max_file_bytes: int, *, fresh: bool = False) -> str | None:
        """SHA-256 of the file's bytes; None when it cannot be read or is over the size limit.

        Taken from the stat memo when the file's stat is the one recorded there; ``fresh``
        always reads the file (and remembers nothing)."""
        base = str(root)
        slot = (base, rel)
        if not fresh and slot in self._digests:
            return self._digests[slot]
        path = os.path.join(base, rel)
        if not fresh and _CTIME_TRACKS_WRITES:
            now = _lstat(path)
            if now is not None and now[0] <= max_file_bytes:
                entry = self._memo(base).get(rel)
                if (
                    type(entry) is list and len(entry) == 6 and tuple(entry[:5]) == now
                    and type(entry[5]) is str and _HEX64.fullmatch(entry[5])
                ):
                    self._digests[slot] = entry[5]
                    self._stats[slot] = now
                    self._seen.setdefault(base, {})[rel] = entry
                    return str(entry[5])
        started = self._clock()
        value, info = _file_digest(path, max_file_bytes)
        self.hashed += 1
        if fresh:
            return value
        self._digests[slot] = value
        if (
            _CTIME_TRACKS_WRITES and value is not None and info is not None
            and max(info[1], info[2]) < started - RACY_NS
        ):
            self._stats[slot] = info
            self._seen.setdefault(base, {})[rel] = [*info, value]
            self._dirty.add(base)
        return value

    def unchanged(self, root: Path, rel: str, digest: str, max_file_bytes: int) -> bool:
        """Whether ``rel`` still has the bytes whose digest it had at lookup: the same trusted
        stat, or else the same digest read again."""
        slot = (str(root), rel)
        trusted = self._stats.get(slot)
        if trusted is not None and _lstat(os.path.join(slot[0], rel)) == trusted:
            return True
        return self.digest(root, rel, max_file_bytes, fresh=True) == digest

    def _memo(self, base: str) -> dict[str, Any]:
        if base not in self._memos:
            self._memos[base] = self.load(self._memo_space(base))
        return self._memos[base]

    @staticmethod
    def _memo_space(base: str) -> str:
        return hashlib.sha256(f"stat memo\0{base}".encode()).hexdigest()

    def save_digests(self) -> None:
        """Write the stat memo of every root whose entries changed: this run's files only."""
        for base in sorted(self._dirty):
            self.save(self._memo_space(base), self._seen.get(base, {}))
        self._dirty.clear()

    @staticmethod
    def key(rel: str, digest: str) -> str:
        return hashlib.sha256(f"{rel}\0{digest}".encode()).hexdigest()

    def _path(self, namespace: str) -> Path:
        return self._top() / f"{namespace}.json"

    def _top(self) -> Path:
        return self.directory / f"v{CACHE_FORMAT}"

    def _usable(self) -> bool:
        """Not when the folder or its ``v1`` is a symlink: packs are written and pruned only in
        a real folder, never wherever a link planted in a shared cache points."""
        return not (self.directory.is_symlink() or self._top().is_symlink())

    # ---- packs: one file per kind and namespace, {key: encoded value} ------------------------

    def load(self, namespace: str) -> dict[str, Any]:
        """The entries of ``namespace``'s pack; empty when it is missing, unreadable or not ours."""
        path = self._path(namespace)
        raw = _read_pack(path, min(self.max_bytes, MAX_PACK_BYTES)) if self._usable() else None
        if raw is None:
            return {}
        try:
            with _no_gc():
                pack = orjson.loads(raw)
        except (ValueError, RecursionError):
            return {}
        if not isinstance(pack, dict) or pack.get("namespace") != namespace:
            return {}
        if pack.get("format") != CACHE_FORMAT:
            return {}
        entries = pack.get("entries")
        if not isinstance(entries, dict):
            return {}
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        return entries

    def save(self, namespace: str, entries: dict[str, Any]) -> None:
        """Write ``namespace``'s pack (temporary file renamed into place); a full disk is skipped."""
        body = orjson.dumps({"format": CACHE_FORMAT, "namespace": namespace, "entries": entries})
        path = self._path(namespace)
        if len(body) > min(self.max_bytes, MAX_PACK_BYTES):
            return
        try:
            if not self._usable():
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(body)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            return

    def prune(self) -> int:
        """Delete the least recently used packs until the cache is under its budget; bytes freed."""
        top = self._top()
        entries: list[tuple[float, int, str]] = []
        total = 0
        if not self._usable():
            return 0
        try:
            with os.scandir(top) as listing:
                for entry in listing:
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(info.st_mode) and _PACK_NAME.fullmatch(entry.name):
                        entries.append((info.st_mtime, info.st_size, entry.path))
                        total += info.st_size
        except OSError:
            return 0
        if total <= self.max_bytes:
            return 0
        freed = 0
        target = int(self.max_bytes * _PRUNE_TO)
        for _, size, path in sorted(entries):
            if total - freed <= target:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                freed += size
        return freed


_HEX64 = re.compile(r"[0-9a-f]{64}")


def _signature(info: os.stat_result) -> Stat:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def _lstat(path: str) -> Stat | None:
    """The stat signature of a regular file (not a link); None otherwise."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return _signature(info) if stat.S_ISREG(info.st_mode) else None


def _file_digest(path: str, max_file_bytes: int) -> tuple[str | None, Stat | None]:
    """(SHA-256 of the file, its stat when it did not change while being read)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > max_file_bytes:
                return None, None
            digest = hashlib.sha256()
            total = 0
            while chunk := os.read(fd, 1 << 20):
                total += len(chunk)
                if total > max_file_bytes:  # grew since fstat
                    return None, None
                digest.update(chunk)
            before, after = _signature(info), _signature(os.fstat(fd))
            return digest.hexdigest(), before if before == after else None
        finally:
            os.close(fd)
    except OSError:
        return None, None


def _read_pack(path: Path, limit: int) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks = []
        total = 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


# ---- the record format --------------------------------------------------------------------
# A result is usually a tuple of plain JSON (lists of dicts of scalars): stored as
# {"t": [...]} (or {"n": ...} when not a tuple), read back without a walk. Anything else
# (tuples deeper down, dataclasses, non-string keys) is tagged all the way down: {"x": ...}.


def _plain(value: Any) -> tuple[bool, Any]:
    """(whether JSON gives ``value`` back equal and of the same types, that copy).

    ``(1,) != [1]`` and ``{1: x} != {"1": x}``, so a tuple or a non-string key inside fails.
    The copy is what is stored: the kind may go on to change the value it got.
    """
    try:
        # A dataclass is never plain: passed through to the (absent) default, it fails at once.
        copy = orjson.loads(orjson.dumps(value, option=orjson.OPT_PASSTHROUGH_DATACLASS))
    except (TypeError, ValueError, RecursionError):
        return False, None
    return bool(copy == value), copy


def pack_value(value: Any, types: tuple[type, ...] = ()) -> Any:
    """``value`` as a record :func:`unpack_value` turns back into an equal value of the same types."""
    plain, copy = _plain(list(value) if type(value) is tuple else value)
    if plain:
        return {"t": copy} if type(value) is tuple else {"n": copy}
    tagged = encode(value, types)
    # encode gives exact-typed JSON data only, which orjson writes back exactly, or refuses
    # (a string with a lone surrogate, an integer over 64 bits).
    try:
        orjson.dumps(tagged)
    except (TypeError, ValueError) as error:
        raise Uncacheable("not JSON") from error
    return {"x": tagged}


def unpack_value(record: Any, types: dict[str, type]) -> Any:
    if not isinstance(record, dict) or len(record) != 1:
        raise CorruptRecord("record")
    if "t" in record and isinstance(record["t"], list):
        return tuple(record["t"])
    if "n" in record:
        return record["n"]
    if "x" in record:
        return decode(record["x"], types)
    raise CorruptRecord("record")




def encode(value: Any, types: tuple[type, ...] = (), memo: dict[int, int] | None = None) -> Any:
    """``value`` as JSON data that :func:`decode` turns back into an equal value of the same types.

    A dataclass met twice (one object in two places, as a route's inline handler is also a
    definition) is written once and referred to after, so the decoded value shares it too.
    """
    memo = {} if memo is None else memo
    kind = type(value)
    if value is None or kind in (bool, str, int):
        return value
    if kind is float:
        if not math.isfinite(value):
            raise Uncacheable("non-finite float")
        return value
    if kind is list:
        return {"l": [encode(v, types, memo) for v in value]}
    if kind is tuple:
        return {"t": [encode(v, types, memo) for v in value]}
    if kind is dict:
        return {"d": [[encode(k, types, memo), encode(v, types, memo)] for k, v in value.items()]}
    if kind in types and (kind in _FIELDS or dataclasses.is_dataclass(value)):
        if id(value) in memo:
            return {"r": memo[id(value)]}
        fields = {name: encode(getattr(value, name), types, memo) for name in _field_names(kind)[0]}
        memo[id(value)] = len(memo)  # after its fields: decode builds it after them too
        return {"c": kind.__name__, "f": fields}
    raise Uncacheable(kind.__name__)


_FIELDS: dict[type, tuple[tuple[str, ...], frozenset[str], bool]] = {}


def _field_names(cls: type) -> tuple[tuple[str, ...], frozenset[str], bool]:
    """(field names in order, as a set, whether all are ``__init__`` arguments), per class."""
    known = _FIELDS.get(cls)
    if known is None:
        fields = dataclasses.fields(cls)
        names = tuple(f.name for f in fields)
        known = _FIELDS[cls] = (names, frozenset(names), all(f.init for f in fields))
    return known


_SCALARS = frozenset({str, int, float, bool, type(None)})


def decode(data: Any, types: dict[str, type], table: list[Any] | None = None) -> Any:
    """The value :func:`encode` encoded; anything else raises :class:`CorruptRecord`."""
    table = [] if table is None else table
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise CorruptRecord("unknown shape")
    # Scalars are taken in place, not through a call: most values of a record are scalars.
    if "l" in data and len(data) == 1 and isinstance(data["l"], list):
        return [v if type(v) in _SCALARS else decode(v, types, table) for v in data["l"]]
    if "t" in data and len(data) == 1 and isinstance(data["t"], list):
        return tuple([v if type(v) in _SCALARS else decode(v, types, table) for v in data["t"]])
    if "d" in data and len(data) == 1 and isinstance(data["d"], list):
        out: dict[Any, Any] = {}
        for pair in data["d"]:
            if not isinstance(pair, list) or len(pair) != 2:
                raise CorruptRecord("bad pair")
            key = decode(pair[0], types, table)
            if not isinstance(key, (str, int, float, bool, tuple)) and key is not None:
                raise CorruptRecord("unhashable key")
            out[key] = decode(pair[1], types, table)
        return out
    if "r" in data and len(data) == 1:
        ref = data["r"]
        if type(ref) is not int or not 0 <= ref < len(table):
            raise CorruptRecord("bad reference")
        return table[ref]
    given = data.get("f")
    if len(data) == 2 and type(given) is dict and type(data.get("c")) is str and data["c"] in types:
        cls = types[data["c"]]
        _, names, init = _field_names(cls)
        if not init or given.keys() != names:
            raise CorruptRecord("fields")
        built = cls(**{
            name: v if type(v) in _SCALARS else decode(v, types, table) for name, v in given.items()
        })
        table.append(built)
        return built
    raise CorruptRecord("unknown tag")


# ---- what a kind calls --------------------------------------------------------------------


_TIMEOUT = b'"code":"timeout"'
_TOO_LARGE = b'"message":"too large to analyse in memory'


def _unstable(value: Any) -> bool:
    """Whether a result depends on the clock or the memory left: a timeout, a MemoryError.

    Looked for in the value's JSON (one C pass): every dict holding ``"code": "timeout"`` or a
    ``message`` string that starts so shows there verbatim (a dataclass field may too: not
    stored, which is only a miss). Dataclasses go through :func:`_all_fields` (orjson's own
    writer leaves out fields named ``_...``); a subclass of a builtin, or anything else JSON
    cannot hold, is walked instead."""
    try:
        body = orjson.dumps(value, default=_all_fields, option=_UNSTABLE_OPTIONS)
    except (TypeError, ValueError, RecursionError):
        return _unstable_walk(value)
    return _TIMEOUT in body or _TOO_LARGE in body


_UNSTABLE_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _all_fields(value: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _field_names(type(value))[0]}
    raise TypeError(type(value).__name__)


def _unstable_walk(value: Any) -> bool:
    if isinstance(value, dict):
        if value.get("code") == "timeout" or str(value.get("message", "")).startswith(
            "too large to analyse in memory"
        ):
            return True
        return any(_unstable_walk(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_unstable_walk(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_unstable_walk(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


class CachedRun:
    """One kind's lookup of its files in the cache: which results are there (``hits``, by
    index), which must be computed (``missing``); :meth:`store` what was computed, then
    :meth:`close`. Without a cache every file is missing and nothing is stored.

    The per-file result must be a pure function of the file's bytes, ``ctx.options`` and
    ``salt`` (a JSON-able value: whatever else changes the result). ``types`` are the
    dataclasses a result may hold.
    """

    def __init__(
        self,
        ctx: ExtractContext,
        kind: str,
        version: int,
        files: Sequence[str],
        *,
        salt: Any = None,
        types: Sequence[type] = (),
    ) -> None:
        self._ctx = ctx
        self._files = files
        self._types = tuple(types)
        self.hits: dict[int, Any] = {}
        self._keys: dict[int, tuple[str, str]] = {}
        self._kept: dict[str, Any] = {}
        self._stored: dict[str, Any] = {}
        cache = ctx.cache
        self._cache = cache if isinstance(cache, FileCache) else None
        if self._cache is None:
            self.missing = list(range(len(files)))
            return
        self._space = self._cache.namespace(kind, version, ctx.options, salt, ctx.max_file_bytes)
        self._stored = self._cache.load(self._space)
        self.missing = []
        with _no_gc():
            self._lookup(ctx, files)
        self._cache.hits += len(self.hits)
        self._cache.misses += len(self.missing)

    def _lookup(self, ctx: ExtractContext, files: Sequence[str]) -> None:
        assert self._cache is not None
        by_name = {t.__name__: t for t in self._types}
        for i, rel in enumerate(files):
            digest = self._cache.digest(ctx.root, rel, ctx.max_file_bytes)
            if digest is None:
                self.missing.append(i)
                continue
            key = self._cache.key(rel, digest)
            self._keys[i] = (key, digest)
            if key in self._stored:
                try:
                    self.hits[i] = unpack_value(self._stored[key], by_name)
                    self._kept[key] = self._stored[key]
                    continue
                except (CorruptRecord, TypeError, ValueError, RecursionError):
                    pass
            self.missing.append(i)

    def store(self, index: int, value: Any) -> None:
        """Keep the computed result of ``files[index]`` (unless it depends on the clock)."""
        slot = self._keys.get(index)
        if self._cache is None or slot is None or _unstable(value):
            return
        # Stored only if the file still has the bytes it had when looked up: a file edited
        # during the run is computed again next time.
        if not self._cache.unchanged(self._ctx.root, self._files[index], slot[1], self._ctx.max_file_bytes):
            return
        with contextlib.suppress(Uncacheable, RecursionError, ValueError), _no_gc():
            self._kept[slot[0]] = pack_value(value, self._types)

    def close(self) -> None:
        """Write the pack when it changed. It holds this run's files only: records of deleted
        or changed files go with the old pack."""
        if self._cache is None:
            return
        if self._kept != self._stored:
            self._cache.save(self._space, self._kept)
        self._cache.save_digests()


def map_files(
    ctx: ExtractContext,
    kind: str,
    version: int,
    func: Callable[[T], R],
    jobs: Sequence[T],
    file_of: Callable[[T], str],
    *,
    salt: Any = None,
    types: Sequence[type] = (),
) -> list[R]:
    """``parallel_map(func, jobs)``, with each job's result cached by its file's content (see
    :class:`CachedRun` for what ``func`` must be)."""
    run = CachedRun(ctx, kind, version, [file_of(job) for job in jobs], salt=salt, types=types)
    results: list[Any] = [None] * len(jobs)
    for i, value in run.hits.items():
        results[i] = value
    computed = parallel_map(func, [jobs[i] for i in run.missing], jobs=ctx.jobs)
    for i, value in zip(run.missing, computed, strict=True):
        results[i] = value
        run.store(i, value)
    run.close()
    return results


def open_cache(root: Path, settings: dict[str, Any]) -> FileCache | None:
    """The cache ``extract`` settings ask for: ``cache`` (default true), ``cache_dir`` (default
    ``.sentinel/cache`` under the root), ``cache_max_bytes``. None when it is off."""
    enabled = settings.get("cache", True)
    if not isinstance(enabled, bool):
        raise ExtractorUsageError("extract.cache must be true or false")
    if not enabled:
        return None
    max_bytes = settings.get("cache_max_bytes", DEFAULT_MAX_BYTES)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ExtractorUsageError("extract.cache_max_bytes must be a positive integer (bytes)")
    return FileCache(cache_directory(root, settings), max_bytes)


def cache_directory(root: Path, settings: dict[str, Any]) -> Path:
    given = settings.get("cache_dir")
    if given is not None and (not isinstance(given, str) or not given):
        raise ExtractorUsageError("extract.cache_dir must be a folder name")
    return Path(given) if given else root / DEFAULT_CACHE_DIR


def cache_exclude(root: Path, settings: dict[str, Any]) -> list[str]:
    """A gitwildmatch pattern leaving the cache folder out of extraction when it lies inside
    ``root`` (whether the cache is on or not: the selection must not depend on it)."""
    try:
        rel = cache_directory(root, settings).resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return []
    if not rel.parts:
        raise ExtractorUsageError("extract.cache_dir must not be the repository root")
    return ["/" + rel.as_posix().replace("[", "\\[").replace("*", "\\*").replace("?", "\\?") + "/"]


def with_cache_flags(settings: dict[str, Any], no_cache: bool, cache_dir: str | None) -> dict[str, Any]:
    """``settings`` (the ``extract`` section) with the command line's --no-cache / --cache-dir."""
    out = dict(settings)
    if no_cache:
        out["cache"] = False
    if cache_dir:
        out["cache_dir"] = cache_dir
    return out
