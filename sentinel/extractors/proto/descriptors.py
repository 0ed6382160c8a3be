"""Compile .proto files with protoc (grpcio-tools) and turn the descriptors into plain records.

protoc runs in a child Python process (``python -c`` calling ``grpc_tools.protoc.main``): protoc
writes its diagnostics straight to file descriptor 2, so capturing them in-process would mean
redirecting the process-wide stderr, which is unsafe with threads, pytest capture or a caller that
logs at the same time. A child costs ~40 ms and keeps a protoc crash out of our process. It runs
with ``-P`` in an empty temporary folder: ``python -c`` would otherwise put the current folder
(often the repository) first on ``sys.path``, and a committed ``grpc_tools/`` would be imported.

All selected files are compiled in one protoc run. When it fails, the files its errors name are
recorded as problems and the rest are compiled again (protoc stops at the first broken file and
files importing a broken file fail too), until a run succeeds; a run whose errors name no input
file falls back to one run per file.

File names are repository-controlled, and protoc reads every line of its argument file that begins
with ``-`` as an option (a committed ``--plugin=protoc-gen-x=x.proto`` next to ``--x_out=..proto``
would make protoc run a committed program). So inputs are passed as absolute disk paths
(``/<include>/<name>``, which protoc maps back to the import path through ``-I``), and no name or
argument holding a line break is ever written to the argument file.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import grpc_tools
from google.protobuf import descriptor_pb2 as pb
from google.protobuf import descriptor_pool, json_format

WKT_INCLUDE = str(Path(grpc_tools.__file__).resolve().parent / "_proto")
PROTOC_TIMEOUT_S = 300
_RUN_PROTOC = "import sys\nfrom grpc_tools import protoc\nsys.exit(protoc.main(sys.argv))\n"
_ERROR_RE = re.compile(r"^(?P<file>[^:\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")
_FILE_ERROR_RE = re.compile(r"^(?P<file>[^:\n]+?\.proto): (?P<msg>.*)$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")

_F = pb.FileDescriptorProto
_M = pb.DescriptorProto
_E = pb.EnumDescriptorProto
_S = pb.ServiceDescriptorProto

SCALARS = {value: name.removeprefix("TYPE_").lower() for name, value in pb.FieldDescriptorProto.Type.items()}


@dataclass
class CompileError:
    """One protoc diagnostic: ``name`` is the import path protoc printed."""

    name: str
    line: int | None
    message: str


@dataclass
class CompileResult:
    files: list[pb.FileDescriptorProto] = field(default_factory=list)
    errors: dict[str, list[CompileError]] = field(default_factory=dict)  # input name -> errors


def proto_name(rel: str, include_paths: Sequence[str]) -> str | None:
    """The import path of repository file ``rel`` under the first include path holding it."""
    for inc in include_paths:
        prefix = _norm_include(inc)
        if prefix == "":
            return rel
        if rel.startswith(prefix + "/"):
            return rel[len(prefix) + 1 :]
    return None


def _norm_include(inc: str) -> str:
    text = PurePosixPath(inc.replace("\\", "/")).as_posix()
    return "" if text in (".", "") else text.strip("/")


def compile_files(root: Path, names: Sequence[str], include_paths: Sequence[str]) -> CompileResult:
    """Compile ``names`` (import paths under ``root``/``include_paths``) in as few protoc runs as we can."""
    result = CompileResult()
    includes = [str((root / _norm_include(inc)).resolve()) for inc in include_paths]
    disk: dict[str, str] = {}
    for name in sorted(set(names)):
        found = _disk_path(includes, name)
        if found is None:
            result.errors[name] = [CompileError(name, None, _unusable(name))]
        else:
            disk[name] = found
    pending = list(disk)
    while pending:
        ok, files, stderr = _run_protoc(includes, [disk[n] for n in pending])
        if ok:
            result.files = files
            return result
        errors = _as_names(parse_errors(stderr), includes)
        named = {e.name for e in errors} & set(pending)
        if not named:
            return _per_file(includes, pending, disk, result)
        for name in named:
            result.errors[name] = [e for e in errors if e.name == name]
        pending = [n for n in pending if n not in named]
    return result


def _disk_path(includes: list[str], name: str) -> str | None:
    """The absolute path protoc would read for import path ``name`` (first include holding it)."""
    if _CONTROL_RE.search(name) or name.startswith("/"):
        return None
    for inc in includes:
        candidate = os.path.join(inc, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def _unusable(name: str) -> str:
    if _CONTROL_RE.search(name):
        return "file name holds control characters; not compiled"
    return "File not found."


def _per_file(
    includes: list[str], pending: list[str], disk: dict[str, str], result: CompileResult
) -> CompileResult:
    good: list[str] = []
    for name in pending:
        ok, _, stderr = _run_protoc(includes, [disk[name]])
        if ok:
            good.append(name)
            continue
        errors = _as_names(parse_errors(stderr), includes) or [CompileError(name, None, _first_line(stderr))]
        own = [e for e in errors if e.name == name] or [CompileError(name, None, errors[0].message)]
        result.errors[name] = own
    if good:
        ok, files, stderr = _run_protoc(includes, [disk[n] for n in good])
        if ok:
            result.files = files
        else:
            for name in good:
                result.errors[name] = [CompileError(name, None, _first_line(stderr))]
    return result


def _as_names(errors: list[CompileError], includes: list[str]) -> list[CompileError]:
    """protoc prints the disk path of a file found under an absolute ``-I``: map it to the import path."""
    for err in errors:
        for inc in includes:
            prefix = inc.rstrip(os.sep) + os.sep
            if err.name.startswith(prefix):
                err.name = err.name[len(prefix) :].replace(os.sep, "/")
                break
    return errors


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return "protoc failed without a message"


def _run_protoc(includes: list[str], paths: list[str]) -> tuple[bool, list[pb.FileDescriptorProto], str]:
    """One protoc run over ``paths``: absolute disk paths under ``includes``."""
    with tempfile.TemporaryDirectory(prefix="sentinel-protoc-") as tmp:
        out = Path(tmp) / "set.pb"
        args = [f"-I{inc}" for inc in includes] + [f"-I{WKT_INCLUDE}"]
        args += [f"--descriptor_set_out={out}", "--include_imports", "--include_source_info"]
        bad = [a for a in args if _CONTROL_RE.search(a)] + [p for p in paths if not _safe_input(p)]
        if bad:
            return False, [], f"refusing a protoc argument that could be read as an option: {bad[0]!r}"
        # An argument file keeps thousands of paths clear of the OS command-line limit.
        argfile = Path(tmp) / "args.txt"
        argfile.write_text("\n".join(args + paths) + "\n", encoding="utf-8")
        env = dict(os.environ, GRPC_PYTHON_DISABLE_DYNAMIC_STUBS="1")
        try:
            proc = subprocess.run(
                [sys.executable, "-P", "-c", _RUN_PROTOC, f"@{argfile}"],
                cwd=tmp,
                capture_output=True,
                text=True,
                errors="replace",
                env=env,
                timeout=PROTOC_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return False, [], f"protoc did not finish within {PROTOC_TIMEOUT_S} s"
        if proc.returncode != 0 or not out.exists():
            return False, [], proc.stderr or proc.stdout
        fds = pb.FileDescriptorSet()
        fds.ParseFromString(out.read_bytes())
        return True, list(fds.file), proc.stderr


def _safe_input(path: str) -> bool:
    return os.path.isabs(path) and not path.startswith(("-", "@")) and not _CONTROL_RE.search(path)


def parse_errors(stderr: str) -> list[CompileError]:
    """protoc's ``file.proto:12:3: message`` lines (warnings skipped)."""
    errors: list[CompileError] = []
    for raw in stderr.splitlines():
        line = raw.strip()
        m = _ERROR_RE.match(line)
        if m:
            if m.group("msg").startswith("warning:"):
                continue
            errors.append(CompileError(m.group("file"), int(m.group("line")), m.group("msg")))
            continue
        m = _FILE_ERROR_RE.match(line)
        if m and not m.group("msg").startswith("warning:"):
            errors.append(CompileError(m.group("file"), None, m.group("msg")))
    return errors


# --- descriptors -> records ---------------------------------------------------------------------


class _Locations:
    """SourceCodeInfo path -> 1-based line."""

    def __init__(self, fdp: pb.FileDescriptorProto) -> None:
        self._lines: dict[tuple[int, ...], int] = {}
        for loc in fdp.source_code_info.location:
            key = tuple(loc.path)
            if key not in self._lines and loc.span:
                self._lines[key] = loc.span[0] + 1

    def line(self, *path: int) -> int | None:
        return self._lines.get(tuple(path))


def _options(opts: Any) -> dict[str, Any]:
    return json_format.MessageToDict(opts, preserving_proto_field_name=True)


def _syntax(fdp: pb.FileDescriptorProto) -> tuple[str, str | None]:
    if fdp.syntax == "editions":
        return "editions", pb.Edition.Name(fdp.edition).removeprefix("EDITION_")
    return (fdp.syntax or "proto2"), None


class Converter:
    """Turns the FileDescriptorProtos of one compile into per-file records.

    ``files`` holds every file of the descriptor set (imports too), so field types can be looked up
    (map entries) and presence resolved by the protobuf runtime (``has_presence`` handles proto2,
    proto3 ``optional`` and editions features alike).
    """

    def __init__(self, files: Iterable[pb.FileDescriptorProto]) -> None:
        self.files = list(files)
        self.messages: dict[str, pb.DescriptorProto] = {}
        for fdp in self.files:
            prefix = f"{fdp.package}." if fdp.package else ""
            for msg in fdp.message_type:
                self._index(prefix + msg.name, msg)
        self.pool: descriptor_pool.DescriptorPool | None = descriptor_pool.DescriptorPool()
        try:
            for fdp in self.files:
                self.pool.Add(fdp)
        except Exception:  # the runtime refusing a file protoc accepted: fall back to syntax rules
            self.pool = None

    def _index(self, full: str, msg: pb.DescriptorProto) -> None:
        self.messages[full] = msg
        for nested in msg.nested_type:
            self._index(f"{full}.{nested.name}", nested)

    def file_record(self, fdp: pb.FileDescriptorProto, rel: str) -> dict[str, Any]:
        locs = _Locations(fdp)
        syntax, edition = _syntax(fdp)
        prefix = f"{fdp.package}." if fdp.package else ""
        rec: dict[str, Any] = {
            "file": rel,
            "line": 1,
            "name": fdp.name,
            "package": fdp.package,
            "package_line": locs.line(_F.PACKAGE_FIELD_NUMBER),
            "syntax": syntax,
            "edition": edition,
            "options": _options(fdp.options),
            "option_lines": {
                fd.name: line
                for fd, _ in fdp.options.ListFields()
                if (line := locs.line(_F.OPTIONS_FIELD_NUMBER, fd.number)) is not None
            },
            "imports": [],
            "messages": [],
            "enums": [],
            "services": [],
            "extensions": [],
        }
        public, weak = set(fdp.public_dependency), set(fdp.weak_dependency)
        for i, dep in enumerate(fdp.dependency):
            rec["imports"].append(
                {
                    "path": dep,
                    "file": rel,
                    "line": locs.line(_F.DEPENDENCY_FIELD_NUMBER, i) or 1,
                    "public": i in public,
                    "weak": i in weak,
                }
            )
        for i, msg in enumerate(fdp.message_type):
            self._message(rec, fdp, locs, msg, prefix, None, (_F.MESSAGE_TYPE_FIELD_NUMBER, i))
        for i, enum in enumerate(fdp.enum_type):
            rec["enums"].append(
                self._enum(rel, locs, enum, prefix, None, (_F.ENUM_TYPE_FIELD_NUMBER, i), fdp)
            )
        for i, ext in enumerate(fdp.extension):
            rec["extensions"].append(self._extension(rel, locs, ext, prefix, (_F.EXTENSION_FIELD_NUMBER, i)))
        for i, svc in enumerate(fdp.service):
            rec["services"].append(self._service(rel, locs, svc, prefix, (_F.SERVICE_FIELD_NUMBER, i)))
        rec["imports"].sort(key=lambda x: x["path"])
        rec["messages"].sort(key=lambda x: x["full_name"])
        rec["enums"].sort(key=lambda x: x["full_name"])
        rec["extensions"].sort(key=lambda x: (x["extendee"], x["number"]))
        rec["services"].sort(key=lambda x: x["full_name"])
        return rec

    def _message(
        self,
        rec: dict[str, Any],
        fdp: pb.FileDescriptorProto,
        locs: _Locations,
        msg: pb.DescriptorProto,
        prefix: str,
        parent: str | None,
        path: tuple[int, ...],
    ) -> None:
        rel = rec["file"]
        full = prefix + msg.name
        nested_prefix = full + "."
        for i, nested in enumerate(msg.nested_type):
            if nested.options.map_entry:
                continue
            self._message(
                rec, fdp, locs, nested, nested_prefix, full, (*path, _M.NESTED_TYPE_FIELD_NUMBER, i)
            )
        for i, enum in enumerate(msg.enum_type):
            rec["enums"].append(
                self._enum(rel, locs, enum, nested_prefix, full, (*path, _M.ENUM_TYPE_FIELD_NUMBER, i), fdp)
            )
        for i, ext in enumerate(msg.extension):
            rec["extensions"].append(
                self._extension(rel, locs, ext, nested_prefix, (*path, _M.EXTENSION_FIELD_NUMBER, i))
            )
        real_oneofs = {
            f.oneof_index for f in msg.field if f.HasField("oneof_index") and not f.proto3_optional
        }
        oneofs = [
            {"name": o.name, "file": rel, "line": locs.line(*path, _M.ONEOF_DECL_FIELD_NUMBER, i) or 1}
            for i, o in enumerate(msg.oneof_decl)
            if i in real_oneofs
        ]
        fields = [
            self._field(rel, locs, msg, f, full, (*path, _M.FIELD_FIELD_NUMBER, i), fdp)
            for i, f in enumerate(msg.field)
        ]
        package = fdp.package
        rec["messages"].append(
            {
                "name": msg.name,
                "full_name": full,
                "nested_name": full[len(package) + 1 :] if package else full,
                "parent": parent,
                "file": rel,
                "line": locs.line(*path) or 1,
                "deprecated": msg.options.deprecated,
                "options": _options(msg.options),
                "fields": sorted(fields, key=lambda x: x["number"]),
                "oneofs": sorted(oneofs, key=lambda x: x["name"]),
                "reserved_ranges": sorted(
                    (
                        {
                            "start": r.start,
                            "end": r.end - 1,
                            "file": rel,
                            "line": locs.line(*path, _M.RESERVED_RANGE_FIELD_NUMBER, i) or 1,
                        }
                        for i, r in enumerate(msg.reserved_range)
                    ),
                    key=lambda x: (x["start"], x["end"]),
                ),
                "reserved_names": sorted(
                    (
                        {
                            "name": n,
                            "file": rel,
                            "line": locs.line(*path, _M.RESERVED_NAME_FIELD_NUMBER, i) or 1,
                        }
                        for i, n in enumerate(msg.reserved_name)
                    ),
                    key=lambda x: x["name"],
                ),
                "extension_ranges": sorted(
                    (
                        {
                            "start": r.start,
                            "end": r.end - 1,
                            "file": rel,
                            "line": locs.line(*path, _M.EXTENSION_RANGE_FIELD_NUMBER, i) or 1,
                        }
                        for i, r in enumerate(msg.extension_range)
                    ),
                    key=lambda x: (x["start"], x["end"]),
                ),
            }
        )

    def _type(self, f: pb.FieldDescriptorProto) -> tuple[str, str]:
        if f.type in (pb.FieldDescriptorProto.TYPE_MESSAGE, pb.FieldDescriptorProto.TYPE_GROUP):
            kind = "group" if f.type == pb.FieldDescriptorProto.TYPE_GROUP else "message"
            return f.type_name.lstrip("."), kind
        if f.type == pb.FieldDescriptorProto.TYPE_ENUM:
            return f.type_name.lstrip("."), "enum"
        return SCALARS[f.type], "scalar"

    def _map_entry(self, f: pb.FieldDescriptorProto) -> pb.DescriptorProto | None:
        if (
            f.label != pb.FieldDescriptorProto.LABEL_REPEATED
            or f.type != pb.FieldDescriptorProto.TYPE_MESSAGE
        ):
            return None
        entry = self.messages.get(f.type_name.lstrip("."))
        return entry if entry is not None and entry.options.map_entry else None

    def _presence_and_required(
        self, msg_full: str, f: pb.FieldDescriptorProto, fdp: pb.FileDescriptorProto
    ) -> tuple[bool, bool]:
        if self.pool is not None:
            try:
                rt = self.pool.FindMessageTypeByName(msg_full).fields_by_number[f.number]
                return bool(rt.has_presence), bool(rt.is_required)
            except (KeyError, AttributeError):
                pass
        required = f.label == pb.FieldDescriptorProto.LABEL_REQUIRED
        if f.type in (pb.FieldDescriptorProto.TYPE_MESSAGE, pb.FieldDescriptorProto.TYPE_GROUP):
            return True, required
        return (f.HasField("oneof_index") or f.proto3_optional or fdp.syntax in ("", "proto2")), required

    def _field(
        self,
        rel: str,
        locs: _Locations,
        msg: pb.DescriptorProto,
        f: pb.FieldDescriptorProto,
        msg_full: str,
        path: tuple[int, ...],
        fdp: pb.FileDescriptorProto,
    ) -> dict[str, Any]:
        type_name, kind = self._type(f)
        entry = self._map_entry(f)
        map_key = map_value = None
        if entry is not None:
            by_number = {x.number: x for x in entry.field}
            map_key = self._type(by_number[1])[0]
            map_value = self._type(by_number[2])[0]
            type_name, kind = f"map<{map_key}, {map_value}>", "map"
        repeated = f.label == pb.FieldDescriptorProto.LABEL_REPEATED
        presence, required = self._presence_and_required(msg_full, f, fdp)
        presence = presence and not repeated
        if repeated:
            label, cardinality = "repeated", ("map" if entry is not None else "repeated")
        elif required:
            label = cardinality = "required"
        elif presence:
            label, cardinality = "optional", "explicit"
        else:
            label, cardinality = "implicit", "implicit"
        oneof = None
        if f.HasField("oneof_index") and not f.proto3_optional:
            oneof = msg.oneof_decl[f.oneof_index].name
        rec: dict[str, Any] = {
            "name": f.name,
            "full_name": f"{msg_full}.{f.name}",
            "number": f.number,
            "json_name": f.json_name or _json_name(f.name),
            "label": label,
            "cardinality": cardinality,
            "proto3_optional": f.proto3_optional,
            "has_presence": presence,
            "type": type_name,
            "type_kind": kind,
            "map_key": map_key,
            "map_value": map_value,
            "oneof": oneof,
            "default": f.default_value if f.HasField("default_value") else None,
            "deprecated": f.options.deprecated,
            "options": _options(f.options),
            "file": rel,
            "line": locs.line(*path) or 1,
        }
        return rec

    def _enum(
        self,
        rel: str,
        locs: _Locations,
        enum: pb.EnumDescriptorProto,
        prefix: str,
        parent: str | None,
        path: tuple[int, ...],
        fdp: pb.FileDescriptorProto,
    ) -> dict[str, Any]:
        full = prefix + enum.name
        package = fdp.package
        closed = fdp.syntax in ("", "proto2")
        if self.pool is not None:
            with contextlib.suppress(KeyError, AttributeError):
                closed = bool(self.pool.FindEnumTypeByName(full).is_closed)
        values = [
            {
                "name": v.name,
                "number": v.number,
                "file": rel,
                "line": locs.line(*path, _E.VALUE_FIELD_NUMBER, i) or 1,
                "deprecated": v.options.deprecated,
                "options": _options(v.options),
            }
            for i, v in enumerate(enum.value)
        ]
        return {
            "name": enum.name,
            "full_name": full,
            "nested_name": full[len(package) + 1 :] if package else full,
            "parent": parent,
            "file": rel,
            "line": locs.line(*path) or 1,
            "closed": closed,
            "deprecated": enum.options.deprecated,
            "options": _options(enum.options),
            "values": sorted(values, key=lambda x: (x["number"], x["name"])),
            "reserved_ranges": sorted(
                (
                    {
                        "start": r.start,
                        "end": r.end,
                        "file": rel,
                        "line": locs.line(*path, _E.RESERVED_RANGE_FIELD_NUMBER, i) or 1,
                    }
                    for i, r in enumerate(enum.reserved_range)
                ),
                key=lambda x: (x["start"], x["end"]),
            ),
            "reserved_names": sorted(
                (
                    {"name": n, "file": rel, "line": locs.line(*path, _E.RESERVED_NAME_FIELD_NUMBER, i) or 1}
                    for i, n in enumerate(enum.reserved_name)
                ),
                key=lambda x: x["name"],
            ),
        }

    def _extension(
        self, rel: str, locs: _Locations, ext: pb.FieldDescriptorProto, prefix: str, path: tuple[int, ...]
    ) -> dict[str, Any]:
        type_name, kind = self._type(ext)
        return {
            "name": ext.name,
            "full_name": prefix + ext.name,
            "extendee": ext.extendee.lstrip("."),
            "number": ext.number,
            "type": type_name,
            "type_kind": kind,
            "label": pb.FieldDescriptorProto.Label.Name(ext.label).removeprefix("LABEL_").lower(),
            "file": rel,
            "line": locs.line(*path) or 1,
        }

    def _service(
        self, rel: str, locs: _Locations, svc: pb.ServiceDescriptorProto, prefix: str, path: tuple[int, ...]
    ) -> dict[str, Any]:
        full = prefix + svc.name
        rpcs = [
            {
                "name": m.name,
                "full_name": f"{full}.{m.name}",
                "input_type": m.input_type.lstrip("."),
                "output_type": m.output_type.lstrip("."),
                "client_streaming": m.client_streaming,
                "server_streaming": m.server_streaming,
                "idempotency_level": pb.MethodOptions.IdempotencyLevel.Name(m.options.idempotency_level),
                "deprecated": m.options.deprecated,
                "options": _options(m.options),
                "file": rel,
                "line": locs.line(*path, _S.METHOD_FIELD_NUMBER, i) or 1,
            }
            for i, m in enumerate(svc.method)
        ]
        return {
            "name": svc.name,
            "full_name": full,
            "file": rel,
            "line": locs.line(*path) or 1,
            "deprecated": svc.options.deprecated,
            "options": _options(svc.options),
            "rpcs": sorted(rpcs, key=lambda x: x["name"]),
        }


def _json_name(name: str) -> str:
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
