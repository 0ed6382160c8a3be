"""OPA's bundle file digests (``v1/bundle/hash.go``, ``verify.go``) and Sentinel's constitution hash.

OPA hashes a *structured* file (base name ``data.json``, ``data.yaml``, ``data.yml`` or ``.manifest``)
after parsing it: objects as ``{`` key ``:`` value (keys sorted, ``,`` between) ``}``, arrays as ``[`` ...
``]``, and every key and scalar as Go's ``encoding/json`` writes it with HTML escaping off: numbers from
JSON keep their literal text (Go's ``json.Number``), strings escape only ``"``, ``\\``, control
characters (``\\b \\f \\n \\r \\t`` short, others ``\\u00xx``) and U+2028/U+2029. Every other file is
hashed as its raw bytes. YAML is read with the YAML 1.2 core schema and timestamps kept as strings
(OPA's ``internal/yaml`` on go-yaml v3); numbers from YAML are written as Go writes a float64 or int.

The **constitution hash** names a bundle's content exactly: SHA-256 (hex) of the RFC 8785 canonical
JSON of ``{"files": [{"algorithm": "SHA-256", "hash": <OPA digest>, "name": <name>}, ...]}`` over every
file except ``.signatures.json``, sorted by name. Re-signing a bundle does not change it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import yaml

from sentinel.runtime.bundles.errors import BundleError

SIGNATURES_FILE = ".signatures.json"
MANIFEST_FILE = ".manifest"
DEFAULT_ALGORITHM = "SHA-256"
_STRUCTURED = frozenset({"data.json", "data.yaml", "data.yml", MANIFEST_FILE})
_YAML = frozenset({"data.yaml", "data.yml"})

# OPA's names -> hashlib's. MD5 and SHA-1 (which OPA also accepts) are refused: a signature over a
# collision-prone digest does not pin the file.
ALGORITHMS: dict[str, str] = {
    "SHA-224": "sha224",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
    "SHA-512-224": "sha512_224",
    "SHA-512-256": "sha512_256",
}
_WEAK = frozenset({"MD5", "SHA-1"})
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONNumber(str):
    """A JSON number kept as its literal text, as Go's ``json.Number`` keeps it."""


def base_name(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def is_structured(name: str) -> bool:
    """OPA's ``IsStructuredDoc``: these files are hashed after parsing, others as raw bytes."""
    return base_name(name) in _STRUCTURED


def is_signatures_file(name: str) -> bool:
    return base_name(name) == SIGNATURES_FILE


def _reject_constant(literal: str) -> Any:
    raise ValueError(f"{literal} is not JSON")


def parse_json_for_hash(content: bytes) -> Any:
    """JSON as OPA's hasher sees it: UTF-8 BOM dropped, numbers as literal text."""
    text = content.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    return json.loads(text, parse_int=JSONNumber, parse_float=JSONNumber, parse_constant=_reject_constant)


def go_float(value: float) -> str:
    """``encoding/json``'s text for a float64: shortest digits, fixed notation, exponent form below 1e-6
    and from 1e21 (``1e+21``, ``1.5e-7``), as ``floatEncoder`` writes it."""
    if not math.isfinite(value):
        raise ValueError("NaN and infinities are not JSON")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    point = len(text) + exponent  # position of the decimal point from the left of the digits
    magnitude = abs(value)
    if magnitude < 1e-6 or magnitude >= 1e21:
        power = point - 1
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        body = f"{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
        body = re.sub(r"e-0(\d)$", r"e-\1", body)
    elif point <= 0:
        body = "0." + "0" * -point + text
    elif point >= len(text):
        body = text + "0" * (point - len(text))
    else:
        body = text[:point] + "." + text[point:]
    return ("-" if sign else "") + body


# go-yaml v3's resolution of plain scalars (YAML 1.2 core schema; `_` is dropped from numbers, and ints
# read as Go's strconv.ParseInt base 0 does: 0b, 0o, 0x, and a leading 0 for octal).
_CORE_SCHEMA = (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (
        "tag:yaml.org,2002:int",
        r"^[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$",
        "-+0123456789",
    ),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
)
_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


def yaml_loader() -> type:
    """PyYAML reading the YAML 1.2 core schema, as OPA's go-yaml v3 does (``yes``/``on`` stay strings,
    timestamps stay strings: OPA re-tags them ``!!str``). Keys become strings as OPA writes them, so
    ``1`` and ``true`` stay distinct keys; a repeated key keeps its last value."""
    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            self.flatten_mapping(node)
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = _yaml_key(self.construct_object(key_node, deep=True))
                mapping[key] = self.construct_object(value_node, deep=deep)
            return mapping

    Loader.yaml_implicit_resolvers = {}
    for tag, pattern, first in _CORE_SCHEMA:
        Loader.add_implicit_resolver(
            tag, re.compile(pattern), list(first) + ([""] if tag.endswith("null") else [])
        )
    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_mapping)
    return Loader


MAX_YAML_VALUES = 1_000_000  # aliases can make a small file expand exponentially ("billion laughs")


def _from_yaml(value: Any, budget: list[int] | None = None, depth: int = 0) -> Any:
    """Convert PyYAML values to what OPA's YAML-to-JSON step yields (Go number text), counting every
    value visited so an alias bomb stops at :data:`MAX_YAML_VALUES`."""
    budget = budget if budget is not None else [MAX_YAML_VALUES]
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"YAML expands to more than {MAX_YAML_VALUES} values")
    if depth > 256:
        raise ValueError("YAML nested too deeply")
    if isinstance(value, dict):
        return {k: _from_yaml(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_yaml(v, budget, depth + 1) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        in_range = _INT64_MIN <= value <= _UINT64_MAX
        return JSONNumber(str(value) if in_range else go_float(float(value)))
    if isinstance(value, float):
        return JSONNumber(go_float(value))
    raise ValueError(f"YAML value of type {type(value).__name__} is not JSON")


def load_yaml(content: bytes) -> Any:
    """YAML data as OPA reads it (core schema), refused if aliases expand it past the value budget."""
    value = yaml.load(content.removeprefix(b"\xef\xbb\xbf").decode("utf-8"), Loader=yaml_loader())
    _from_yaml(value)
    return value


def go_float32_key(value: float) -> str:
    """A float mapping key as OPA's ``keyString`` writes it: ``strconv.FormatFloat(k, 'g', -1, 32)``
    (shortest float32 digits; exponent form, two digits at least, when the exponent is < -4 or >= 6)."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    single = struct.unpack("f", struct.pack("f", value))[0]
    if single == 0:
        return "-0" if math.copysign(1.0, single) < 0 else "0"
    for places in range(9):
        text = f"{single:.{places}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            break
    mantissa, _, exponent_text = text.partition("e")
    exponent = int(exponent_text)
    digits = mantissa.replace(".", "").lstrip("-")
    sign = "-" if single < 0 else ""
    if exponent < -4 or exponent >= 6:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    point = exponent + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _yaml_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return go_float32_key(key)
    raise ValueError(f"YAML key of type {type(key).__name__} cannot be a JSON key")


def parse_yaml_for_hash(content: bytes) -> Any:
    """YAML (or JSON, which OPA tries first) as OPA's hasher sees it."""
    stripped = content.removeprefix(b"\xef\xbb\xbf")
    try:
        return parse_json_for_hash(stripped)
    except ValueError:
        pass
    return _from_yaml(yaml.load(stripped.decode("utf-8"), Loader=yaml_loader()))  # budget-checked


def go_string(text: str) -> str:
    """A JSON string as Go's encoder writes it with HTML escaping off."""
    if _LONE_SURROGATE.search(text):
        text = _LONE_SURROGATE.sub("\ufffd", text)
    encoded = json.dumps(text, ensure_ascii=False)
    if "\u2028" in encoded or "\u2029" in encoded:
        encoded = encoded.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return encoded


def _walk(value: Any, out: list[str]) -> None:
    """``hash.go``'s ``walk``: the byte stream OPA feeds to the digest for a parsed document."""
    if isinstance(value, dict):
        out.append("{")
        for index, key in enumerate(sorted(value)):
            if index:
                out.append(",")
            out.append(go_string(key))
            out.append(":")
            _walk(value[key], out)
        out.append("}")
    elif isinstance(value, list):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _walk(item, out)
        out.append("]")
    elif isinstance(value, JSONNumber):
        out.append(str(value))
    elif isinstance(value, str):
        out.append(go_string(value))
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value is None:
        out.append("null")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(go_float(value))
    else:
        raise ValueError(f"cannot hash a value of type {type(value).__name__}")


def hash_stream(value: Any) -> bytes:
    """The bytes OPA hashes for a parsed structured document."""
    out: list[str] = []
    _walk(value, out)
    return "".join(out).encode("utf-8")


def _digest_factory(algorithm: str) -> Callable[[bytes], Any]:
    if algorithm in _WEAK:
        raise BundleError("weak_hash", f"hash algorithm {algorithm} is refused (collision-prone)")
    name = ALGORITHMS.get(algorithm)
    if name is None:
        raise BundleError("unknown_hash", f"unsupported hash algorithm {algorithm[:40]!r}")
    return lambda data: hashlib.new(name, data)


def file_digest(name: str, content: bytes, algorithm: str = DEFAULT_ALGORITHM) -> str:
    """OPA's hex digest of a bundle file: structured files after parsing, others as raw bytes."""
    digest = _digest_factory(algorithm)
    if not is_structured(name):
        return str(digest(content).hexdigest())
    try:
        parsed = parse_yaml_for_hash(content) if base_name(name) in _YAML else parse_json_for_hash(content)
        stream = hash_stream(parsed)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BundleError("unparsable_file", f"{name}: cannot be parsed for hashing: {exc}") from None
    except yaml.YAMLError as exc:
        raise BundleError(
            "unparsable_file", f"{name}: cannot be parsed for hashing: {type(exc).__name__}"
        ) from None
    return str(digest(stream).hexdigest())


def file_entries(files: Mapping[str, bytes], algorithm: str = DEFAULT_ALGORITHM) -> list[dict[str, str]]:
    """``[{name, hash, algorithm}]`` for every file except ``.signatures.json``, sorted by name."""
    return [
        {"name": name, "hash": file_digest(name, files[name], algorithm), "algorithm": algorithm}
        for name in sorted(files)
        if not is_signatures_file(name)
    ]


def constitution_hash(entries: Iterable[Mapping[str, str]]) -> str:
    """SHA-256 hex of the RFC 8785 canonical JSON of ``{"files": entries sorted by name}``."""
    import rfc8785

    document = {
        "files": [
            {"algorithm": e["algorithm"], "hash": e["hash"], "name": e["name"]}
            for e in sorted(entries, key=lambda e: e["name"])
        ]
    }
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()
