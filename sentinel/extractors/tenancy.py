"""``tenancy`` kind: where cache keys, message subjects and topic names are built, and from what.

A *sink* is a call whose argument names shared state across tenants: a Redis key, a NATS subject,
a Kafka topic. For each sink call the document records the key expression (its source text, at
most 200 characters), how it is built (``construction``: literal, fstring, format, percent,
concat, template, interpolation, variable, attribute, call, list, expression), whether it is
``dynamic`` (not a compile-time constant), the variables and attributes it reads
(``identifiers``), ``has_tenant`` (one of them, or one of their dotted parts, is a tenant
identifier, compared without case, ``_`` or ``-``: ``tenantId`` matches ``tenant_id``) and
``wildcard`` (a literal part holds a ``*`` glob, or NATS's ``>`` as the last token).

How sites are found:

- Python: ``ast``. A call ``<receiver>.<method>(...)`` is a sink when the receiver's dotted name
  ends with one of the sink's receiver patterns (``self.redis`` matches ``redis``; parts are
  fnmatch globs) and the method is listed. The key is positional argument ``arg`` or keyword
  ``keyword``. A key that is a plain local name is resolved one level, to its last assignment
  above the call in the same function (``key = f"..."; r.get(key)``); ``via_variable`` says so.
- Rust, Go, JavaScript/TypeScript, Elixir: tree-sitter, the same receiver/method rule on method
  calls (``con.get(k)``, ``rdb.Get(ctx, k)``, ``nc.publish(s)``), Rust paths
  (``FutureRecord::to(topic)``), Elixir remote calls (``Gnat.pub(conn, subject, msg)``, piped
  calls count the piped value as the first argument), JavaScript object arguments
  (``producer.send({topic})`` with ``keyword: topic``) and Go composite literals
  (``kafka.Message{Topic: t}`` with ``types`` and ``field``).
- Any language: a sink with ``regex`` (a pattern whose group ``key``, or group 1, is the key) is a
  line pattern; its key is analysed as text.

Options (``extract.options.tenancy``):

- ``tenant_identifiers`` (``tenant_id``, ``tenant``, ``org_id``, ``organization_id``,
  ``account_id``, ``workspace_id``).
- ``receivers`` (``redis``, ``cache``, ``r``, ``valkey``, ``client.redis``): receiver patterns of
  the default Redis sinks (Python and JavaScript).
- ``sinks``: per language (``python``, ``go``, ``rust``, ``javascript`` (also used for TypeScript
  unless ``typescript`` is given), ``elixir``), a list replacing that language's defaults. Each
  sink: ``name``, ``kind`` (``cache_key``, ``subject``, ``topic``, ``channel``), and either
  ``receivers`` + ``methods`` + ``arg`` (default 0) / ``keyword``, or ``types`` + ``field`` (Go),
  or ``regex``. See ``DEFAULT_SINKS``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import partial
from typing import Any

import tree_sitter as ts

from sentinel.extractors import treesitter
from sentinel.extractors.base import ExtractContext, document, problem
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.pyast import dotted
from sentinel.extractors.secrets.mask import mask_secrets
from sentinel.extractors.secrets.prefilter import required_literals
from sentinel.extractors.sourcepass import KindPlan, SourceFile, Visitor, extract_one

KIND = "tenancy"
# Bump when this kind's per-file records change (sentinel.extractors.cache keys on it).
CACHE_VERSION = 1
MAX_KEY_CHARS = 200
DEFAULT_TENANT_IDENTIFIERS = [
    "tenant_id",
    "tenant",
    "org_id",
    "organization_id",
    "account_id",
    "workspace_id",
]
DEFAULT_RECEIVERS = ["redis", "cache", "r", "valkey", "client.redis"]


def _words(text: str) -> list[str]:
    return text.split()


FAMILIES = ("redis", "nats", "kafka")
INFERRING_LANGUAGES = frozenset({"python", "rust"})
# Earliest match in a constructor's or a type hint's text decides the receiver's family; "map" is
# an in-process collection (a dict, a HashMap), whose get/set are never a shared key.
_FAMILY_PATTERNS = (
    ("redis", r"redis|valkey|MultiplexedConnection|ConnectionManager"),
    ("nats", r"(?<![A-Za-z])(?:nats|NATS|Nats)|jetstream|JetStream"),
    ("kafka", r"kafka|Kafka|FutureProducer|BaseProducer|StreamConsumer|BaseConsumer"),
    (
        "map",
        r"(?<![\w.])(?:dict|Dict|set|Set|list|List|OrderedDict|defaultdict|Counter|ChainMap|Mapping"
        r"|MutableMapping|WeakValueDictionary|WeakKeyDictionary|TTLCache|LRUCache|LFUCache|HashMap"
        r"|BTreeMap|HashSet|BTreeSet|Vec|VecDeque|DashMap|LruCache|IndexMap|FxHashMap|AHashMap)(?![\w])",
    ),
)
_FAMILY_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _FAMILY_PATTERNS))
# Methods that hand out another client of the same family (a pipeline, a connection, JetStream).
_DERIVING_METHODS = frozenset(
    _words("""
    pipeline pubsub jetstream client get_connection get_async_connection get_multiplexed_async_connection
    get_multiplexed_tokio_connection get_multiplexed_async_std_connection get_connection_manager
    get_tokio_connection clone
""")
)


def family_of(text: str) -> str | None:
    """The client family a type or constructor text names first, else None."""
    m = _FAMILY_RE.search(text)
    return m.lastgroup if m is not None else None


_REDIS_METHODS = _words("""
    get set setex setnx psetex getset getdel getex mget delete unlink exists expire pexpire expireat ttl
    incr incrby decr decrby append hget hset hsetnx hmget hmset hgetall hdel hincrby hkeys hvals hexists
    lpush rpush lpop rpop lrange llen sadd srem smembers sismember scard zadd zrem zrange zrangebyscore
    zscore zincrby zcard keys scan_iter xadd xread xrange pfadd setbit getbit
""")
_REDIS_METHODS_JS = sorted(
    {
        *_REDIS_METHODS,
        *_words(
            "del hGet hSet hGetAll hDel sAdd sMembers zAdd lPush rPush lRange setEx setNX pExpire incrBy"
        ),
    }
)
_GO_REDIS_METHODS = _words("""
    Get Set SetNX SetEx SetEX GetSet GetDel MGet Del Unlink Exists Expire PExpire ExpireAt TTL Incr IncrBy
    Decr DecrBy Append HGet HSet HSetNX HMGet HGetAll HDel HIncrBy HKeys HVals HExists LPush RPush LPop
    RPop LRange LLen SAdd SRem SMembers SIsMember SCard ZAdd ZRem ZRange ZRangeByScore ZScore ZIncrBy
    ZCard Keys XAdd PFAdd
""")
_RUST_REDIS_METHODS = _words("""
    get set set_ex set_nx pset_ex getset get_del del unlink exists expire pexpire ttl incr decr append
    hget hset hset_nx hget_all hdel hincr hkeys hvals hexists lpush rpush lpop rpop lrange llen sadd srem
    smembers sismember scard zadd zrem zrange zscore zincr zcard keys scan_match xadd pfadd
""")

# fmt: off
DEFAULT_SINKS: dict[str, list[dict[str, Any]]] = {
    "python": [
        {"name": "redis", "kind": "cache_key", "methods": _REDIS_METHODS, "arg": 0, "keyword": "name"},
        {"name": "redis-pubsub", "kind": "channel",
         "receivers": ["redis", "r", "pubsub", "valkey", "client.redis"],
         "methods": ["publish", "subscribe", "psubscribe"], "arg": 0, "keyword": "channel"},
        {"name": "nats", "kind": "subject", "receivers": ["nc", "nats", "js", "jetstream", "nats_client"],
         "methods": ["publish", "subscribe", "request", "pull_subscribe"], "arg": 0, "keyword": "subject"},
        {"name": "kafka", "kind": "topic",
         "receivers": ["producer", "kafka_producer", "consumer", "kafka_consumer"],
         "methods": ["send", "send_and_wait", "produce", "subscribe"], "arg": 0, "keyword": "topic"},
    ],
    "javascript": [
        {"name": "redis", "kind": "cache_key", "methods": _REDIS_METHODS_JS, "arg": 0},
        {"name": "nats", "kind": "subject", "receivers": ["nc", "nats", "js", "jetstream"],
         "methods": ["publish", "subscribe", "request"], "arg": 0},
        {"name": "kafka", "kind": "topic", "receivers": ["producer", "consumer"],
         "methods": ["send", "subscribe"], "arg": 0, "keyword": "topic"},
    ],
    "go": [
        {"name": "redis", "kind": "cache_key",
         "receivers": ["rdb", "redis", "cache", "r", "valkey", "redisClient"],
         "methods": _GO_REDIS_METHODS, "arg": 1},
        {"name": "nats", "kind": "subject", "receivers": ["nc", "js", "nats", "natsConn", "conn"],
         "methods": ["Publish", "PublishMsg", "Subscribe", "QueueSubscribe", "Request", "PullSubscribe"],
         "arg": 0},
        {"name": "kafka", "kind": "topic",
         "types": ["kafka.Message", "sarama.ProducerMessage", "kafka.TopicPartition"], "field": "Topic"},
    ],
    "rust": [
        {"name": "redis", "kind": "cache_key",
         "receivers": ["con", "conn", "connection", "redis", "cache", "r"],
         "methods": _RUST_REDIS_METHODS, "arg": 0},
        {"name": "nats", "kind": "subject", "receivers": ["client", "nc", "nats", "jetstream", "js"],
         "methods": ["publish", "subscribe", "request", "queue_subscribe"], "arg": 0},
        {"name": "kafka", "kind": "topic", "receivers": ["FutureRecord", "BaseRecord", "consumer"],
         "methods": ["to", "subscribe"], "arg": 0},
    ],
    "elixir": [
        {"name": "redix", "kind": "cache_key", "receivers": ["Redix"],
         "methods": ["command", "command!", "noreply_command", "pipeline"], "arg": 1},
        {"name": "cachex", "kind": "cache_key", "receivers": ["Cachex"],
         "methods": ["get", "put", "del", "exists?", "expire", "incr", "fetch", "get_and_update"], "arg": 1},
        {"name": "gnat-pub", "kind": "subject", "receivers": ["Gnat"], "methods": ["pub", "request"],
         "arg": 1},
        {"name": "gnat-sub", "kind": "subject", "receivers": ["Gnat"], "methods": ["sub"], "arg": 2},
        {"name": "kafka_ex", "kind": "topic", "receivers": ["KafkaEx"], "methods": ["produce"], "arg": 0},
        {"name": "brod", "kind": "topic", "receivers": [":brod"], "methods": ["produce", "produce_sync"],
         "arg": 1},
    ],
}
# fmt: on

LANGUAGE_OF_GRAMMAR = {
    "rust": "rust",
    "go": "go",
    "javascript": "javascript",
    "typescript": "typescript",
    "tsx": "typescript",
    "elixir": "elixir",
}


@dataclass(frozen=True)
class Sink:
    name: str
    kind: str
    receivers: tuple[tuple[str, ...], ...] = ()
    methods: frozenset[str] = frozenset()
    arg: int | None = 0
    keyword: str | None = None
    types: frozenset[str] = frozenset()
    field: str | None = None
    regex: re.Pattern[str] | None = None
    # The client family (redis, nats, kafka) whose receivers this sink is for, when known: a
    # receiver whose type is inferred from a constructor or a type hint is matched by family.
    family: str | None = None


@dataclass(frozen=True)
class Config:
    root: str
    max_file_bytes: int
    sinks: Mapping[str, tuple[Sink, ...]]
    tenant_ids: frozenset[str]
    prefilters: Mapping[str, Prefilter | None]
    tenant_words: frozenset[str] = frozenset()


@dataclass
class KeyInfo:
    text: str
    construction: str
    identifiers: set[str] = field(default_factory=set)
    literals: list[str] = field(default_factory=list)
    constant: bool = True


def normalise_identifier(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _split_dotted(text: str) -> tuple[str, ...]:
    return tuple(p for p in re.split(r"\.|::", text) if p)


def receiver_matches(receiver: str, patterns: Iterable[tuple[str, ...]]) -> bool:
    parts = _split_dotted(receiver)
    for pat in patterns:
        if len(parts) >= len(pat) and all(
            fnmatchcase(p, q) for p, q in zip(parts[-len(pat) :], pat, strict=True)
        ):
            return True
    return False


_NATS_FULL_WILDCARD = re.compile(r"(?:^|\.)>$")


def is_wildcard(literals: Iterable[str]) -> bool:
    return any("*" in lit or _NATS_FULL_WILDCARD.search(lit) for lit in literals)


# ---------------------------------------------------------------------------------------------
# configuration


def _option_error(name: str, message: str) -> ExtractorError:
    return ExtractorError(f"extract.options.tenancy.{name}: {message}")


def _str_list(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _option_error(name, "must be a list of strings")
    return list(value)


def _sink(spec: Any, language: str, index: int, receivers: list[str]) -> Sink:
    where = f"sinks.{language}[{index}]"
    if not isinstance(spec, dict):
        raise _option_error(where, "must be a mapping with name, kind and methods/types/regex")
    name = spec.get("name")
    kind = spec.get("kind", "cache_key")
    if not isinstance(name, str) or not isinstance(kind, str):
        raise _option_error(where, "needs string 'name' and 'kind'")
    if "regex" in spec:
        try:
            pattern = re.compile(str(spec["regex"]), re.MULTILINE)
        except re.error as exc:
            raise _option_error(where, f"invalid regex: {exc}") from exc
        return Sink(name=name, kind=kind, regex=pattern, arg=None)
    if "types" in spec:
        if not isinstance(spec.get("field"), str):
            raise _option_error(where, "a 'types' sink needs a 'field'")
        return Sink(
            name=name,
            kind=kind,
            types=frozenset(_str_list(spec["types"], where + ".types")),
            field=spec["field"],
            arg=None,
        )
    methods = _str_list(spec.get("methods", []), where + ".methods")
    if not methods:
        raise _option_error(where, "needs 'methods' (or 'types' + 'field', or 'regex')")
    recv = _str_list(spec["receivers"], where + ".receivers") if "receivers" in spec else receivers
    arg = spec.get("arg", 0)
    if arg is not None and (isinstance(arg, bool) or not isinstance(arg, int) or arg < 0):
        raise _option_error(where, "'arg' must be a non-negative integer or null")
    keyword = spec.get("keyword")
    if keyword is not None and not isinstance(keyword, str):
        raise _option_error(where, "'keyword' must be a string")
    family = spec.get("family", name.split("-", 1)[0] if name.split("-", 1)[0] in FAMILIES else None)
    if family is not None and family not in FAMILIES:
        raise _option_error(where, f"'family' must be one of {', '.join(FAMILIES)} or null")
    return Sink(
        name=name,
        kind=kind,
        receivers=tuple(_split_dotted(r) for r in recv),
        methods=frozenset(methods),
        arg=arg,
        keyword=keyword,
        family=family,
    )


def build_config(ctx: ExtractContext) -> Config:
    options = dict(ctx.options)
    known = {"tenant_identifiers", "receivers", "sinks"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise _option_error(unknown[0], f"unknown option; choose from {', '.join(sorted(known))}")
    tenant = _str_list(options.get("tenant_identifiers", DEFAULT_TENANT_IDENTIFIERS), "tenant_identifiers")
    receivers = _str_list(options.get("receivers", DEFAULT_RECEIVERS), "receivers")
    given = options.get("sinks") or {}
    if not isinstance(given, dict):
        raise _option_error("sinks", "must be a mapping of language to a list of sinks")
    specs: dict[str, Any] = {**DEFAULT_SINKS, **given}
    if "typescript" not in specs:
        specs["typescript"] = specs["javascript"]
    sinks: dict[str, tuple[Sink, ...]] = {}
    for language, items in specs.items():
        if not isinstance(items, list):
            raise _option_error(f"sinks.{language}", "must be a list")
        sinks[language] = tuple(_sink(s, language, i, receivers) for i, s in enumerate(items))
    tenant_ids = frozenset(normalise_identifier(t) for t in tenant)
    return Config(
        prefilters={
            language: structural_prefilter(items, infers=language in INFERRING_LANGUAGES)
            for language, items in sinks.items()
        },
        root=str(ctx.root),
        max_file_bytes=ctx.max_file_bytes,
        sinks=sinks,
        tenant_ids=tenant_ids,
        tenant_words=tenant_words(tenant_ids),
    )


def tenant_words(tenant_ids: Iterable[str]) -> frozenset[str]:
    """Literal key segments that name a tenant: each identifier, without an ``id`` suffix, plural."""
    words = set()
    for ident in tenant_ids:
        stem = ident[:-2] if ident.endswith("id") and len(ident) > 2 else ident
        words.update({ident, stem, stem + "s"})
    return frozenset(words)


# A word, a separator, then a placeholder (``{}``, ``{name}``, ``%s``) or the end of a literal
# piece whose next piece is interpolated: ``f"tenant:{t}"``, ``"orgs/%s/x" % o``, ``format!("tenant.{}", t)``.
_SEGMENT = re.compile(
    r"([A-Za-z][A-Za-z0-9_]*)[:./#|_-](?=\{[^{}]*\}|%[-0-9.]*[sdvr]|%\([^)]*\)[sdr]|\$\{|#\{|$)"
)


def has_tenant_segment(literals: Iterable[str], words: frozenset[str]) -> bool:
    return any(normalise_identifier(m.group(1)) in words for lit in literals for m in _SEGMENT.finditer(lit))


# ---------------------------------------------------------------------------------------------
# sites


def _site(
    rel: str,
    line: int,
    language: str,
    sink: Sink,
    call: str,
    info: KeyInfo,
    cfg: Config,
    via: dict[str, Any] | None = None,
    receiver_type: str | None = None,
    parameter: str | None = None,
) -> dict[str, Any]:
    text = mask_secrets(" ".join(info.text.split()))
    if len(text) > MAX_KEY_CHARS:
        text = text[: MAX_KEY_CHARS - 3] + "..."
    idents = sorted(info.identifiers)
    tenant_from: str | None = None
    if any(normalise_identifier(part) in cfg.tenant_ids for ident in idents for part in _split_dotted(ident)):
        tenant_from = "identifier"
    elif not info.constant and has_tenant_segment(info.literals, cfg.tenant_words):
        tenant_from = "segment"
    has_tenant = tenant_from is not None
    if has_tenant:
        tenant = "present"
    elif parameter is not None:
        tenant = "unknown"
    else:
        tenant = "absent"
    return {
        "file": rel,
        "line": line,
        "language": language,
        "sink": sink.name,
        "sink_kind": sink.kind,
        "call": call,
        "key": text,
        "construction": info.construction,
        "dynamic": not info.constant,
        "identifiers": idents,
        "has_tenant": has_tenant,
        "tenant": tenant,
        "tenant_from": tenant_from,
        "key_parameter": parameter if not has_tenant else None,
        "receiver_type": receiver_type,
        "wildcard": is_wildcard(info.literals),
        "via_variable": via,
    }


_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class _Gated:
    """One alternative of a prefilter: ``pattern``, tried only on a text holding one of
    ``literals`` (substrings every match contains; None: always tried)."""

    pattern: re.Pattern[str]
    literals: frozenset[str] | None

    def search(self, text: str) -> bool:
        if self.literals is not None and not any(lit in text for lit in self.literals):
            return False
        return self.pattern.search(text) is not None


@dataclass(frozen=True)
class _Call:
    """``<receiver>.<method>``: on a text holding one of ``literals`` (method names, when all are
    two characters or more), ``tail`` (the separator and the method) finds candidates; ``full``
    confirms each one in the window that ends there, from the longest receiver before the
    whitespace ahead of the separator.
    Searching ``full`` over the whole text instead tries its look-behind and receivers (``r`` is
    one) at every position."""

    tail: re.Pattern[str]
    full: re.Pattern[str]
    reach: int
    literals: frozenset[str] | None

    def search(self, text: str) -> bool:
        if self.literals is not None and not any(lit in text for lit in self.literals):
            return False
        pos = 0
        while (m := self.tail.search(text, pos)) is not None:
            start = m.start()
            while start > 0 and text[start - 1].isspace():  # what ``\s*`` admits
                start -= 1
            # The look-behind sees before ``pos``; ``tail`` checked the look-ahead at ``m.end()``.
            if self.full.search(text, max(0, start - self.reach), m.end()) is not None:
                return True
            pos = m.start() + 1
        return False


@dataclass(frozen=True)
class Prefilter:
    """Whether a text may hold a structural sink site: any alternative matches."""

    alternatives: tuple[_Gated | _Call, ...]

    def search(self, text: str) -> bool:
        return any(alt.search(text) for alt in self.alternatives)


def _gated(pattern: str) -> _Gated:
    compiled = re.compile(pattern)
    return _Gated(compiled, required_literals(compiled))


def structural_prefilter(sinks: Iterable[Sink], infers: bool = False) -> Prefilter | None:
    """A text filter every file holding a structural sink site passes (None: parse every file).

    ``<receiver>.<method>`` / ``<receiver>::<method>`` with the receivers' last names and the
    methods, ``<Type>{`` for composite-literal sinks, and with ``infers`` any client family name (a
    receiver's type may come from a constructor or a type hint). It only decides what is worth parsing:
    a file that does not match cannot hold a site (nor, for this kind, a problem worth parsing for).
    Each alternative checks a cheap necessary condition (substrings, a literal-led pattern) before
    its full pattern.
    """
    alternatives: list[_Gated | _Call] = []
    sinks = list(sinks)
    if infers and any(s.family for s in sinks):
        alternatives.extend(_gated(pattern) for name, pattern in _FAMILY_PATTERNS if name != "map")
    for sink in sinks:
        if sink.regex is not None:
            continue
        if sink.types:
            names = sorted({t.rsplit(".", 1)[-1] for t in sink.types})
            alternatives.append(_gated(r"\b(?:{})\s*\{{".format("|".join(map(re.escape, names)))))
            continue
        lasts = {r[-1] for r in sink.receivers if r}
        if not lasts or any(_GLOB_CHARS.search(x) for x in lasts) or not sink.methods:
            return None
        receivers = "|".join(map(re.escape, sorted(lasts)))
        methods = "|".join(map(re.escape, sorted(sink.methods)))
        tail = rf"(?:\.|::)\s*(?:{methods})(?![\w?!])"
        full = re.compile(rf"(?<![\w$])(?:{receivers})\s*{tail}")
        alternatives.append(_Call(re.compile(tail), full, max(map(len, lasts)), required_literals(full)))
    return Prefilter(tuple(alternatives))


# --- Python -----------------------------------------------------------------------------------


def _py_identifiers(node: ast.AST, out: set[str]) -> None:
    if isinstance(node, ast.Attribute | ast.Name):
        name = dotted(node)
        if name is not None:
            out.add(name)
            return
    if isinstance(node, ast.Call):
        # What is called is not data; its receiver and arguments are.
        if isinstance(node.func, ast.Attribute):
            _py_identifiers(node.func.value, out)
        for sub in [*node.args, *(k.value for k in node.keywords)]:
            _py_identifiers(sub, out)
        return
    for child in ast.iter_child_nodes(node):
        _py_identifiers(child, out)


def _py_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _py_constant(node.left) and _py_constant(node.right)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(_py_constant(e) for e in node.elts)
    return False


def _py_construction(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return "literal"
    if isinstance(node, ast.JoinedStr):
        return "fstring"
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Constant):
            return "format"
        return "call"
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
            return "percent"
        if isinstance(node.op, ast.Add):
            return "concat"
    if isinstance(node, ast.Name):
        return "variable"
    if isinstance(node, ast.Attribute):
        return "attribute"
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return "list"
    return "expression"


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class SourceLines:
    """``ast.get_source_segment`` over one source, its lines split once: the standard function
    splits the whole file on every call (character by character), 3.6 s CPU for the 275 keys
    of one 100 kB Django test module."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._lines: list[str] | None = None

    def segment(self, node: ast.AST) -> str | None:
        """What ``ast.get_source_segment(source, node)`` returns (not padded)."""
        lineno = getattr(node, "lineno", None)
        end_lineno = getattr(node, "end_lineno", None)
        col_offset = getattr(node, "col_offset", None)
        end_col_offset = getattr(node, "end_col_offset", None)
        if lineno is None or end_lineno is None or col_offset is None or end_col_offset is None:
            return None
        if self._lines is None:
            self._lines = _LINE.findall(self.source)
        lines = self._lines
        first, last = lineno - 1, end_lineno - 1
        if first == last:
            return lines[first].encode()[col_offset:end_col_offset].decode()
        head = lines[first].encode()[col_offset:].decode()
        tail = lines[last].encode()[:end_col_offset].decode()
        return head + "".join(lines[first + 1:last]) + tail


def python_key(node: ast.AST, source: SourceLines) -> KeyInfo:
    idents: set[str] = set()
    _py_identifiers(node, idents)
    literals = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    text = source.segment(node) or ast.unparse(node)
    return KeyInfo(
        text=text,
        construction=_py_construction(node),
        identifiers=idents,
        literals=literals,
        constant=_py_constant(node),
    )


def _assignments(body: list[ast.stmt]) -> dict[str, list[tuple[int, ast.expr]]]:
    """Simple ``name = value`` assignments in a scope, not entering nested functions or classes."""
    out: dict[str, list[tuple[int, ast.expr]]] = {}
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out.setdefault(node.targets[0].id, []).append((node.lineno, node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            out.setdefault(node.target.id, []).append((node.lineno, node.value))
        stack.extend(ast.iter_child_nodes(node))
    for entries in out.values():
        entries.sort(key=lambda e: e[0])
    return out


_Functions = ast.FunctionDef | ast.AsyncFunctionDef
_CONFLICT = "?"


class _PyTypes:
    """Client families of names and ``self`` attributes in one module, from the constructors
    assigned to them (``redis.Redis(...)``, ``await nats.connect()``, ``nc.jetstream()``, ``{}``)
    and their type hints (``client: Redis``, ``cache: dict[str, int]``)."""

    def __init__(self, tree: ast.Module) -> None:
        self.imports: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.imports[(a.asname or a.name).split(".")[0]] = a.name
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    self.imports[a.asname or a.name] = f"{node.module}.{a.name}"
        self.self_attrs: dict[str, str] = {}
        self.module = self._scope(tree.body, {}, {})
        self.functions: dict[int, dict[str, str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                        self._set(self.self_attrs, stmt.target.id, self.annotation(stmt.annotation))
            elif isinstance(node, _Functions):
                params: dict[str, str] = {}
                for param in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                    if param.annotation is not None:
                        self._set(params, param.arg, self.annotation(param.annotation))
                self.functions[id(node)] = {**self.module, **self._scope(node.body, params, self.module)}

    @staticmethod
    def _set(env: dict[str, str], name: str, family: str | None) -> None:
        if family is None:
            return
        env[name] = family if env.get(name, family) == family else _CONFLICT

    def annotation(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return family_of(node.value)
        return family_of(ast.unparse(node))

    def _scope(self, body: list[ast.stmt], params: dict[str, str], outer: dict[str, str]) -> dict[str, str]:
        env = dict(params)
        stack: list[ast.AST] = list(body)
        assigns: list[ast.Assign | ast.AnnAssign] = []
        while stack:
            node = stack.pop()
            if isinstance(node, _Functions | ast.ClassDef | ast.Lambda):
                continue
            if isinstance(node, ast.Assign | ast.AnnAssign):
                assigns.append(node)
            stack.extend(ast.iter_child_nodes(node))
        for node in sorted(assigns, key=lambda n: n.lineno):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            family = self.annotation(node.annotation) if isinstance(node, ast.AnnAssign) else None
            if family is None and node.value is not None:
                family = self.value(node.value, {**outer, **env})
            for target in targets:
                if isinstance(target, ast.Name):
                    self._set(env, target.id, family)
                elif (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in ("self", "cls")
                ):
                    self._set(self.self_attrs, target.attr, family)
        return env

    def value(self, node: ast.expr, env: Mapping[str, str]) -> str | None:
        while isinstance(node, ast.Await):
            node = node.value
        if isinstance(node, ast.Dict | ast.DictComp | ast.Set | ast.SetComp | ast.List | ast.ListComp):
            return "map"
        if isinstance(node, ast.Name):
            return env.get(node.id)
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        name = dotted(func)
        if name is not None:
            parts = name.split(".")
            module = self.imports.get(parts[0])
            found = family_of(parts[-1]) or (family_of(module) if module is not None else None)
            if found is not None:
                return found
        if isinstance(func, ast.Attribute) and func.attr in _DERIVING_METHODS:
            receiver = dotted(func.value)
            if receiver is not None:
                return self.receiver(receiver, env)
        return None

    def receiver(self, receiver: str, env: Mapping[str, str]) -> str | None:
        parts = receiver.split(".")
        if len(parts) == 1:
            found = env.get(parts[0])
        elif len(parts) == 2 and parts[0] in ("self", "cls"):
            found = self.self_attrs.get(parts[1])
        else:
            found = None
        return None if found == _CONFLICT else found


def _matches(sink: Sink, receiver: str, inferred: str | None) -> bool:
    """A receiver whose family is known matches sinks of that family only; otherwise by name."""
    if inferred is not None and sink.family is not None:
        return inferred == sink.family
    return receiver_matches(receiver, sink.receivers)


def _py_params(node: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    args = node.args
    names = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return frozenset(n for n in names if n not in ("self", "cls"))


def _py_call_arg(call: ast.Call, sink: Sink) -> ast.expr | None:
    if sink.keyword:
        for kw in call.keywords:
            if kw.arg == sink.keyword:
                return kw.value
    if (
        sink.arg is not None
        and len(call.args) > sink.arg
        and not isinstance(call.args[sink.arg], ast.Starred)
    ):
        return call.args[sink.arg]
    return None


def scan_python(
    rel: str, file: SourceFile, source: str, sinks: tuple[Sink, ...], cfg: Config
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        tree = file.python()
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        return [], [
            problem(rel, f"cannot parse Python: {getattr(exc, 'msg', exc)}", line=line, code="syntax")
        ]
    sites: list[dict[str, Any]] = []
    types = _PyTypes(tree)
    lines = SourceLines(source)

    def visit(body: list[ast.stmt], env: Mapping[str, str], params: frozenset[str]) -> None:
        scope = _assignments(body)
        stack: list[ast.AST] = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for deco in node.decorator_list:
                    stack.append(deco)
                visit(node.body, types.functions.get(id(node), types.module), _py_params(node))
                continue
            if isinstance(node, ast.Lambda):
                continue
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                receiver = dotted(node.func.value)
                if receiver is not None:
                    _py_sink_site(node, receiver, node.func.attr, scope, env, params)
            stack.extend(ast.iter_child_nodes(node))

    def _py_sink_site(
        call: ast.Call,
        receiver: str,
        method: str,
        scope: dict[str, list[tuple[int, ast.expr]]],
        env: Mapping[str, str],
        params: frozenset[str],
    ) -> None:
        inferred = types.receiver(receiver, env)
        if inferred == "map":
            return
        for sink in sinks:
            if method not in sink.methods or not _matches(sink, receiver, inferred):
                continue
            arg = _py_call_arg(call, sink)
            if arg is None:
                continue
            via = None
            parameter = None
            if isinstance(arg, ast.Name):
                earlier = [e for e in scope.get(arg.id, []) if e[0] < call.lineno]
                if earlier:
                    line, value = earlier[-1]
                    via = {"name": arg.id, "line": line}
                    arg = value
                elif arg.id in params:
                    parameter = arg.id
            info = python_key(arg, lines)
            sites.append(
                _site(
                    rel,
                    call.lineno,
                    "python",
                    sink,
                    f"{receiver}.{method}",
                    info,
                    cfg,
                    via,
                    inferred,
                    parameter,
                )
            )
            return

    visit(tree.body, types.module, frozenset())
    return sites, []


# --- tree-sitter languages --------------------------------------------------------------------

_STRING_TYPES = {
    "javascript": {"string", "template_string"},
    "typescript": {"string", "template_string"},
    "go": {"interpreted_string_literal", "raw_string_literal"},
    "rust": {"string_literal", "raw_string_literal"},
    "elixir": {"string", "charlist", "sigil"},
}
_INTERPOLATION = {"template_substitution", "interpolation"}
_IDENT_TYPES = {
    "identifier",
    "field_identifier",
    "property_identifier",
    "shorthand_property_identifier",
    "shorthand_field_identifier",
    "private_property_identifier",
}
_MEMBER_TYPES = {"member_expression", "selector_expression", "field_expression", "dot", "scoped_identifier"}
_CALL_TYPES = {"call_expression", "call", "macro_invocation"}
_DELIMITERS = {'"', "'", "`", "${", "#{", "}", 'r#"', '"#'}
# Calls that only convert a literal (``"a".into()``, ``String::from("a")``) keep it constant.
_CONVERSIONS = {"into", "to_string", "to_owned", "from", "as_str", "String"}
_RUST_FORMAT_NAME = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)")
_SIMPLE_DOTTED = re.compile(r"^[A-Za-z_@:][\w.:@]*$")


def _text(node: ts.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _named_args(node: ts.Node | None) -> list[ts.Node]:
    if node is None:
        return []
    return [c for c in node.named_children if c.type not in ("comment", "line_comment", "block_comment")]


class _TsKey:
    """Analyse a key node of one tree-sitter language."""

    def __init__(self, language: str, packages: frozenset[str] = frozenset()) -> None:
        self.language = language
        self.strings = _STRING_TYPES[language]
        # Go package names (``fmt`` in ``fmt.Sprintf``) are not data the key is built from.
        self.packages = packages

    def analyse(self, node: ts.Node) -> KeyInfo:
        while node.type in ("reference_expression", "parenthesized_expression") and node.named_child_count:
            inner = node.child_by_field_name("value") or node.named_children[-1]
            node = inner
        info = KeyInfo(text=_text(node), construction=self.construction(node))
        self.walk(node, info)
        return info

    def construction(self, node: ts.Node) -> str:
        t = node.type
        if t in self.strings:
            return (
                "template"
                if self._has_interp(node) and t == "template_string"
                else ("interpolation" if self._has_interp(node) else "literal")
            )
        if t == "macro_invocation":
            return "format" if _text(node).startswith(("format!", "format_args!")) else "call"
        if t in ("binary_expression", "binary_operator"):
            op = node.child_by_field_name("operator")
            return "concat" if op is not None and _text(op) in ("+", "<>") else "expression"
        if t in _CALL_TYPES:
            func = node.child_by_field_name("function")
            if func is not None and _text(func) in ("fmt.Sprintf", "fmt.Sprint", "strings.Join"):
                return "format"
            return "call"
        if t == "identifier":
            return "variable"
        if t in _MEMBER_TYPES:
            return "attribute"
        if t in ("array", "list", "array_expression", "composite_literal", "slice_literal", "tuple"):
            return "list"
        return "expression"

    def _has_interp(self, node: ts.Node) -> bool:
        return any(c.type in _INTERPOLATION for c in node.named_children)

    def walk(self, node: ts.Node, info: KeyInfo) -> None:
        t = node.type
        if t in self.strings:
            for child in node.children:
                if child.type in _INTERPOLATION:
                    info.constant = False
                    self.walk(child, info)
                elif child.child_count == 0 and child.type not in _DELIMITERS:
                    info.literals.append(_text(child))
            if self.language == "rust":
                # format!("{tenant_id}") reads tenant_id without naming it outside the string.
                for lit in info.literals:
                    info.identifiers.update(_RUST_FORMAT_NAME.findall(lit))
            return
        if t in _MEMBER_TYPES or t in _IDENT_TYPES:
            text = "".join(_text(node).split())
            if _SIMPLE_DOTTED.match(text) and t != "scoped_identifier":
                info.identifiers.add(text)
                info.constant = False
                return
        if t in _CALL_TYPES:
            self._walk_call(node, info)
            return
        for child in node.named_children:
            self.walk(child, info)

    def _walk_call(self, node: ts.Node, info: KeyInfo) -> None:
        func = (
            node.child_by_field_name("function")
            or node.child_by_field_name("target")
            or node.child_by_field_name("macro")
        )
        name = _text(func).rsplit(".", 1)[-1].rsplit("::", 1)[-1] if func is not None else ""
        if node.type == "macro_invocation":
            for child in node.named_children:
                if child.type == "token_tree":
                    self._walk_tokens(child, info)
            if not name.startswith("format"):
                info.constant = False
            return
        if name not in _CONVERSIONS:
            info.constant = False
        if func is not None:
            receiver = (
                func.child_by_field_name("value")
                or func.child_by_field_name("object")
                or func.child_by_field_name("operand")
                or func.child_by_field_name("left")
            )
            if receiver is not None and not (
                receiver.type == "identifier" and _text(receiver) in self.packages
            ):
                self.walk(receiver, info)
        args = node.child_by_field_name("arguments")
        if args is None:
            args = next((c for c in node.named_children if c.type == "arguments"), None)
        for arg in _named_args(args):
            self.walk(arg, info)

    def _walk_tokens(self, tree: ts.Node, info: KeyInfo) -> None:
        for child in tree.named_children:
            if child.type == "identifier":
                info.identifiers.add(_text(child))
                info.constant = False
            elif child.type == "token_tree":
                self._walk_tokens(child, info)
            else:
                self.walk(child, info)


_RUST_WRAPPERS = {"await_expression", "try_expression", "reference_expression", "parenthesized_expression"}
# Method calls that pass the receiver's value (or a guard over it) through unchanged.
_RUST_PASS_THROUGH = {
    "unwrap",
    "expect",
    "clone",
    "lock",
    "read",
    "write",
    "borrow",
    "borrow_mut",
    "as_ref",
    "as_mut",
    "to_owned",
    "to_string",
    "as_str",
    "into",
}


@dataclass
class _RustFunction:
    params: dict[str, str | None] = field(default_factory=dict)
    lets: dict[str, list[tuple[int, int, ts.Node | None, str | None]]] = field(default_factory=dict)


class _RustTypes:
    """Struct field types of one file and, per function, parameter types and ``let`` bindings:
    enough to tell a ``HashMap`` named ``cache`` from a Redis connection, and to follow a key
    bound by ``let subject = ...;`` to what it was built from."""

    def __init__(self, tree: ts.Tree) -> None:
        self.fields: dict[str, str] = {}
        self._functions: dict[int, _RustFunction] = {}
        for node in treesitter.walk(tree.root_node):
            if node.type == "field_declaration":
                name, type_node = node.child_by_field_name("name"), node.child_by_field_name("type")
                if name is not None and type_node is not None:
                    found = family_of(_text(type_node))
                    if found is not None:
                        key = _text(name)
                        self.fields[key] = found if self.fields.get(key, found) == found else _CONFLICT

    @staticmethod
    def enclosing(node: ts.Node) -> ts.Node | None:
        parent = node.parent
        while parent is not None and parent.type not in ("function_item", "closure_expression"):
            parent = parent.parent
        while parent is not None and parent.type == "closure_expression":
            parent = parent.parent
            while parent is not None and parent.type not in ("function_item", "closure_expression"):
                parent = parent.parent
        return parent

    def function(self, fn: ts.Node) -> _RustFunction:
        cached = self._functions.get(fn.id)
        if cached is not None:
            return cached
        info = _RustFunction()
        params = fn.child_by_field_name("parameters")
        for param in params.named_children if params is not None else []:
            pattern, type_node = param.child_by_field_name("pattern"), param.child_by_field_name("type")
            if param.type == "parameter" and pattern is not None:
                name = _rust_binding(pattern)
                if name is not None:
                    info.params[name] = family_of(_text(type_node)) if type_node is not None else None
        for node in treesitter.walk(fn):
            if node.type != "let_declaration":
                continue
            pattern = node.child_by_field_name("pattern")
            name = _rust_binding(pattern) if pattern is not None else None
            if name is None:
                continue
            type_node, value = node.child_by_field_name("type"), node.child_by_field_name("value")
            family = family_of(_text(type_node)) if type_node is not None else None
            if family is None and value is not None:
                family = self.value(value, info, node.start_byte)
            info.lets.setdefault(name, []).append((node.start_byte, node.start_point[0] + 1, value, family))
        self._functions[fn.id] = info
        return info

    def binding(
        self, info: _RustFunction, name: str, before: int
    ) -> tuple[int, ts.Node | None, str | None] | None:
        earlier = [e for e in info.lets.get(name, []) if e[0] < before]
        return earlier[-1][1:] if earlier else None

    def value(self, node: ts.Node, info: _RustFunction, before: int) -> str | None:
        node = _rust_unwrap(node)
        if node.type == "macro_invocation":
            return "map" if _maybe_text(node.child_by_field_name("macro")) == "vec" else None
        if node.type == "identifier":
            return self.name(_text(node), info, before)
        if node.type != "call_expression":
            return None
        func = node.child_by_field_name("function")
        if func is None:
            return None
        if func.type == "field_expression":
            method = _maybe_text(func.child_by_field_name("field"))
            receiver = func.child_by_field_name("value")
            if method in _DERIVING_METHODS and receiver is not None:
                return self.receiver("".join(_text(receiver).split()), info, before)
            return None
        return family_of(_text(func))

    def name(self, name: str, info: _RustFunction, before: int) -> str | None:
        bound = self.binding(info, name, before)
        if bound is not None:
            return bound[2]
        return info.params.get(name)

    def receiver(self, receiver: str, info: _RustFunction | None, before: int) -> str | None:
        parts = receiver.split(".")
        found: str | None = None
        if len(parts) == 1 and info is not None:
            found = self.name(parts[0], info, before)
        elif len(parts) == 2 and parts[0] == "self":
            found = self.fields.get(parts[1])
        return None if found == _CONFLICT else found


def _maybe_text(node: ts.Node | None) -> str:
    return "" if node is None else _text(node)


def _rust_binding(pattern: ts.Node) -> str | None:
    if pattern.type == "identifier":
        return _text(pattern)
    if pattern.type == "mut_pattern":
        inner = next((c for c in pattern.named_children if c.type == "identifier"), None)
        return _text(inner) if inner is not None else None
    return None


def _rust_unwrap(node: ts.Node) -> ts.Node:
    """The expression under ``&x``, ``(x)``, ``x?``, ``x.await``, ``x.clone()``, ``x.lock().unwrap()``."""
    while True:
        if node.type in _RUST_WRAPPERS and node.named_child_count:
            node = node.child_by_field_name("value") or node.named_children[0]
            continue
        if node.type == "call_expression":
            func = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if (
                func is not None
                and func.type == "field_expression"
                and _maybe_text(func.child_by_field_name("field")) in _RUST_PASS_THROUGH
                and (
                    args is None
                    or not _named_args(args)
                    or _maybe_text(func.child_by_field_name("field")) == "expect"
                )
            ):
                value = func.child_by_field_name("value")
                if value is not None:
                    node = value
                    continue
        return node


def _ts_call_parts(node: ts.Node, language: str) -> tuple[str, str, list[ts.Node]] | None:
    """(receiver text, method, argument nodes) of a method or remote call, else None."""
    if language == "elixir":
        target = node.child_by_field_name("target")
        if target is None or target.type != "dot":
            return None
        left, right = target.child_by_field_name("left"), target.child_by_field_name("right")
        if left is None or right is None:
            return None
        args_node = next((c for c in node.named_children if c.type == "arguments"), None)
        args = _named_args(args_node)
        parent = node.parent
        if parent is not None and parent.type == "binary_operator":
            op = parent.child_by_field_name("operator")
            right_side = parent.child_by_field_name("right")
            if op is not None and _text(op) == "|>" and right_side is not None and right_side.id == node.id:
                lhs = parent.child_by_field_name("left")
                if lhs is not None:
                    args = [lhs, *args]
        return _text(left), _text(right), args
    func = node.child_by_field_name("function")
    if func is None:
        return None
    if func.type in ("member_expression", "selector_expression", "field_expression"):
        obj = (
            func.child_by_field_name("object")
            or func.child_by_field_name("operand")
            or func.child_by_field_name("value")
        )
        prop = func.child_by_field_name("property") or func.child_by_field_name("field")
    elif func.type == "scoped_identifier":
        obj, prop = func.child_by_field_name("path"), func.child_by_field_name("name")
    else:
        return None
    if obj is None or prop is None:
        return None
    return "".join(_text(obj).split()), _text(prop), _named_args(node.child_by_field_name("arguments"))


def _ts_pick_arg(args: list[ts.Node], sink: Sink) -> ts.Node | None:
    if sink.keyword:
        for arg in args:
            if arg.type == "object":
                for pair in arg.named_children:
                    key = pair.child_by_field_name("key")
                    if pair.type == "pair" and key is not None and _text(key).strip("'\"") == sink.keyword:
                        return pair.child_by_field_name("value")
                    if pair.type == "shorthand_property_identifier" and _text(pair) == sink.keyword:
                        return pair
            elif arg.type == "keywords" or arg.type == "keyword_argument":
                continue
    if sink.arg is not None and len(args) > sink.arg:
        return args[sink.arg]
    return None


def scan_tree_sitter(
    rel: str, file: SourceFile, language: str, sinks: tuple[Sink, ...], cfg: Config
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    grammar = treesitter.grammar_for(rel) or language
    tree = file.tree(grammar)
    problems = []
    error_line = treesitter.first_error_line(tree)
    if error_line is not None:
        problems.append(
            problem(
                rel,
                f"syntax error ({grammar}); what follows it may be incomplete",
                line=error_line,
                code="syntax",
            )
        )
    analyser = _TsKey(language, _go_packages(tree) if language == "go" else frozenset())
    rust = _RustTypes(tree) if language == "rust" else None
    call_sinks = [s for s in sinks if s.methods]
    type_sinks = [s for s in sinks if s.types]
    sites: list[dict[str, Any]] = []
    for node in treesitter.walk(tree.root_node):
        if node.type in ("call_expression", "call") and call_sinks:
            parts = _ts_call_parts(node, language)
            if parts is None:
                continue
            receiver, method, args = parts
            if not any(method in s.methods for s in call_sinks):
                continue
            fn = _RustTypes.enclosing(node) if rust is not None else None
            scope = rust.function(fn) if rust is not None and fn is not None else None
            inferred = rust.receiver(receiver, scope, node.start_byte) if rust is not None else None
            if inferred == "map":
                continue
            for sink in call_sinks:
                if method in sink.methods and _matches(sink, receiver, inferred):
                    arg = _ts_pick_arg(args, sink)
                    if arg is None:
                        continue
                    via, parameter = None, None
                    if rust is not None and scope is not None:
                        target = _rust_unwrap(arg)
                        if target.type == "identifier":
                            bound = rust.binding(scope, _text(target), node.start_byte)
                            if bound is not None and bound[1] is not None:
                                via = {"name": _text(target), "line": bound[0]}
                                arg = bound[1]
                            elif bound is None and _text(target) in scope.params:
                                parameter = _text(target)
                    sites.append(
                        _site(
                            rel,
                            node.start_point[0] + 1,
                            language,
                            sink,
                            f"{receiver}.{method}",
                            analyser.analyse(arg),
                            cfg,
                            via,
                            inferred,
                            parameter,
                        )
                    )
                    break
        elif node.type == "composite_literal" and type_sinks:
            type_node = node.child_by_field_name("type")
            body = node.child_by_field_name("body")
            type_name = "".join(_text(type_node).split()).lstrip("&*") if type_node is not None else ""
            for sink in type_sinks:
                if type_name not in sink.types or body is None:
                    continue
                for element in body.named_children:
                    key = element.child_by_field_name("key")
                    value = element.child_by_field_name("value")
                    if (
                        element.type == "keyed_element"
                        and key is not None
                        and value is not None
                        and _text(key) == sink.field
                    ):
                        target = (
                            value.named_children[0]
                            if value.type == "literal_element" and value.named_child_count
                            else value
                        )
                        sites.append(
                            _site(
                                rel,
                                element.start_point[0] + 1,
                                language,
                                sink,
                                f"{type_name}{{{sink.field}}}",
                                analyser.analyse(target),
                                cfg,
                            )
                        )
    return sites, problems


def _go_packages(tree: ts.Tree) -> frozenset[str]:
    """Names a Go file's imports bind (alias, else the last path element)."""
    names = set()
    for node in treesitter.walk(tree.root_node):
        if node.type == "import_spec":
            alias = node.child_by_field_name("name")
            path_node = node.child_by_field_name("path")
            path = _text(path_node).strip('"`') if path_node is not None else ""
            names.add(_text(alias) if alias is not None else path.rsplit("/", 1)[-1])
        elif node.type in ("function_declaration", "method_declaration"):
            break
    return frozenset(names)


# --- line patterns ----------------------------------------------------------------------------

_TEXT_STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'|`([^`]*)`")
_TEXT_IDENT = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*")


def text_key(text: str) -> KeyInfo:
    literals = [next(g for g in m.groups() if g is not None) for m in _TEXT_STRING.finditer(text)]
    rest = _TEXT_STRING.sub(" ", text)
    idents = set(_TEXT_IDENT.findall(rest))
    stripped = text.strip()
    whole_literal = bool(_TEXT_STRING.fullmatch(stripped))
    return KeyInfo(
        text=stripped,
        construction="literal" if whole_literal else "expression",
        identifiers=idents,
        literals=literals,
        constant=whole_literal or not idents,
    )


def scan_regex(
    rel: str, source: str, language: str, sinks: tuple[Sink, ...], cfg: Config
) -> list[dict[str, Any]]:
    sites = []
    for sink in sinks:
        if sink.regex is None:
            continue
        for m in sink.regex.finditer(source):
            group = "key" if "key" in sink.regex.groupindex else (1 if sink.regex.groups else 0)
            key = m.group(group)
            if key is None:
                continue
            line = source.count("\n", 0, m.start(group)) + 1
            sites.append(_site(rel, line, language, sink, sink.name, text_key(key), cfg))
    return sites


# ---------------------------------------------------------------------------------------------


def language_of(rel: str) -> str | None:
    if rel.endswith((".py", ".pyi")):
        return "python"
    grammar = treesitter.grammar_for(rel)
    return LANGUAGE_OF_GRAMMAR.get(grammar) if grammar else None


_Record = tuple[list[dict[str, Any]], list[dict[str, Any]]]


def visit(cfg: Config, rel: str, file: SourceFile) -> _Record:
    """One file's sites and problems: the structural sinks through the language's prefilter and
    tree, the regex sinks over the text."""
    language = language_of(rel)
    if language is None:
        return [], []
    sinks = cfg.sinks.get(language, ())
    if not sinks:
        return [], []
    source, prob = file.text()
    if source is None:
        return [], [prob] if prob else []
    structural = tuple(s for s in sinks if s.regex is None)
    gate = cfg.prefilters.get(language)
    sites: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    if structural and (gate is None or gate.search(source)):
        try:
            if language == "python":
                sites, problems = scan_python(rel, file, source, structural, cfg)
            else:
                sites, problems = scan_tree_sitter(rel, file, language, structural, cfg)
        except RecursionError:
            return [], [problem(rel, "expressions nested too deeply to analyse; skipped", code="too_deep")]
    sites.extend(scan_regex(rel, source, language, sinks, cfg))
    return sites, problems


def _scan_failed(rel: str, prob: dict[str, Any]) -> _Record:
    return [], [prob]


def plan(ctx: ExtractContext) -> KindPlan:
    """This kind's part of the source pass (:mod:`sentinel.extractors.sourcepass`)."""
    cfg = build_config(ctx)
    files = [f for f in ctx.files if language_of(f) is not None]
    visitor = Visitor(KIND, CACHE_VERSION, partial(visit, cfg), _scan_failed)
    return KindPlan(ctx, visitor, files, partial(_document, ctx))


def extract(ctx: ExtractContext) -> dict[str, Any]:
    return extract_one(plan(ctx))


def _document(ctx: ExtractContext, records: list[_Record]) -> dict[str, Any]:
    sites: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for found, probs in records:
        sites.extend(found)
        problems.extend(probs)
    sites.sort(key=lambda s: (s["file"], s["line"], s["sink"], s["key"]))
    by_kind: dict[str, int] = {}
    for s in sites:
        by_kind[s["sink_kind"]] = by_kind.get(s["sink_kind"], 0) + 1
    return document(
        ctx,
        KIND,
        tenant_identifiers=sorted(
            _str_list(ctx.options.get("tenant_identifiers", DEFAULT_TENANT_IDENTIFIERS), "tenant_identifiers")
        ),
        sites=sites,
        totals={
            "sites": len(sites),
            "dynamic": sum(1 for s in sites if s["dynamic"]),
            "with_tenant": sum(1 for s in sites if s["has_tenant"]),
            "without_tenant": sum(1 for s in sites if not s["has_tenant"]),
            "wildcard": sum(1 for s in sites if s["wildcard"]),
            "by_kind": dict(sorted(by_kind.items())),
        },
        problems=problems,
    )
