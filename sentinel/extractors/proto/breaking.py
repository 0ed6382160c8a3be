"""Classify the differences between two compiled proto trees with buf's breaking-change rules.

Rule ids, their categories and the way elements are paired follow buf (``buf breaking``, v2
configuration): files by path; messages, enums and services by full name across all files;
fields by number; enum values by number; RPCs by name. Messages use buf's wording. Categories come
from buf's documented table (FILE ⊇ PACKAGE ⊇ WIRE_JSON ⊇ WIRE, with the WIRE/WIRE_JSON variants
of the type and cardinality rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

CATEGORY_ORDER = ("FILE", "PACKAGE", "WIRE_JSON", "WIRE")
_ALL = ("FILE", "PACKAGE", "WIRE_JSON", "WIRE")
_FP = ("FILE", "PACKAGE")
_FPJ = ("FILE", "PACKAGE", "WIRE_JSON")

# File options whose change buf reports, as (option, rule id). Values compared are the effective
# ones (unset = the option's default), like buf.
FILE_OPTION_RULES: tuple[tuple[str, str], ...] = (
    ("cc_enable_arenas", "FILE_SAME_CC_ENABLE_ARENAS"),
    ("cc_generic_services", "FILE_SAME_CC_GENERIC_SERVICES"),
    ("csharp_namespace", "FILE_SAME_CSHARP_NAMESPACE"),
    ("go_package", "FILE_SAME_GO_PACKAGE"),
    ("java_generic_services", "FILE_SAME_JAVA_GENERIC_SERVICES"),
    ("java_multiple_files", "FILE_SAME_JAVA_MULTIPLE_FILES"),
    ("java_outer_classname", "FILE_SAME_JAVA_OUTER_CLASSNAME"),
    ("java_package", "FILE_SAME_JAVA_PACKAGE"),
    ("objc_class_prefix", "FILE_SAME_OBJC_CLASS_PREFIX"),
    ("optimize_for", "FILE_SAME_OPTIMIZE_FOR"),
    ("php_class_prefix", "FILE_SAME_PHP_CLASS_PREFIX"),
    ("php_metadata_namespace", "FILE_SAME_PHP_METADATA_NAMESPACE"),
    ("php_namespace", "FILE_SAME_PHP_NAMESPACE"),
    ("py_generic_services", "FILE_SAME_PY_GENERIC_SERVICES"),
    ("ruby_package", "FILE_SAME_RUBY_PACKAGE"),
    ("swift_prefix", "FILE_SAME_SWIFT_PREFIX"),
)
FILE_OPTION_DEFAULTS: dict[str, Any] = {
    "cc_enable_arenas": True,
    "optimize_for": "SPEED",
    "cc_generic_services": False,
    "java_generic_services": False,
    "py_generic_services": False,
    "java_multiple_files": False,
}

RULE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "ENUM_NO_DELETE": ("FILE",),
    "ENUM_SAME_TYPE": _FP,
    "ENUM_VALUE_NO_DELETE": _FP,
    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED": ("WIRE_JSON",),
    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED": ("WIRE_JSON", "WIRE"),
    "ENUM_VALUE_SAME_NAME": _FPJ,
    "EXTENSION_MESSAGE_NO_DELETE": _FP,
    "EXTENSION_NO_DELETE": ("FILE",),
    "FIELD_NO_DELETE": _FP,
    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED": ("WIRE_JSON",),
    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED": ("WIRE_JSON", "WIRE"),
    "FIELD_SAME_CARDINALITY": _FP,
    "FIELD_SAME_CPP_STRING_TYPE": _FP,
    "FIELD_SAME_DEFAULT": _ALL,
    "FIELD_SAME_JSON_NAME": _FPJ,
    "FIELD_SAME_JSTYPE": _FP,
    "FIELD_SAME_NAME": _FPJ,
    "FIELD_SAME_ONEOF": _ALL,
    "FIELD_SAME_TYPE": _FP,
    "FIELD_WIRE_COMPATIBLE_CARDINALITY": ("WIRE",),
    "FIELD_WIRE_COMPATIBLE_TYPE": ("WIRE",),
    "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY": ("WIRE_JSON",),
    "FIELD_WIRE_JSON_COMPATIBLE_TYPE": ("WIRE_JSON",),
    "FILE_NO_DELETE": ("FILE",),
    "FILE_SAME_PACKAGE": _ALL,
    "FILE_SAME_SYNTAX": _FP,
    **{rule: _FP for _, rule in FILE_OPTION_RULES},
    "MESSAGE_NO_DELETE": ("FILE",),
    "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR": _FP,
    "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT": _ALL,
    "MESSAGE_SAME_REQUIRED_FIELDS": _ALL,
    "ONEOF_NO_DELETE": _FP,
    "PACKAGE_ENUM_NO_DELETE": ("PACKAGE",),
    "PACKAGE_EXTENSION_NO_DELETE": ("PACKAGE",),
    "PACKAGE_MESSAGE_NO_DELETE": ("PACKAGE",),
    "PACKAGE_NO_DELETE": ("PACKAGE",),
    "PACKAGE_SERVICE_NO_DELETE": ("PACKAGE",),
    "RESERVED_ENUM_NO_DELETE": _ALL,
    "RESERVED_MESSAGE_NO_DELETE": _ALL,
    "RPC_NO_DELETE": _FP,
    "RPC_SAME_CLIENT_STREAMING": _ALL,
    "RPC_SAME_IDEMPOTENCY_LEVEL": _ALL,
    "RPC_SAME_REQUEST_TYPE": _ALL,
    "RPC_SAME_RESPONSE_TYPE": _ALL,
    "RPC_SAME_SERVER_STREAMING": _ALL,
    "SERVICE_NO_DELETE": ("FILE",),
}

# buf's wire-compatibility groups (protobuf's "updating a message type" rules), by scalar name or
# kind. string -> bytes is allowed separately; bytes -> string is not.
_WIRE_GROUP = {
    "int32": 1,
    "int64": 1,
    "uint32": 1,
    "uint64": 1,
    "bool": 1,
    "sint32": 2,
    "sint64": 2,
    "string": 3,
    "bytes": 4,
    "fixed32": 5,
    "sfixed32": 5,
    "fixed64": 6,
    "sfixed64": 6,
    "double": 7,
    "float": 8,
    "group": 9,
    "message": 10,
    "enum": 11,
    "map": 10,
}
_WIRE_JSON_GROUP = {
    "int32": 1,
    "uint32": 1,
    "int64": 2,
    "uint64": 2,
    "fixed32": 3,
    "sfixed32": 3,
    "fixed64": 4,
    "sfixed64": 4,
    "bool": 5,
    "sint32": 6,
    "sint64": 7,
    "string": 8,
    "bytes": 9,
    "double": 10,
    "float": 11,
    "group": 12,
    "message": 13,
    "enum": 14,
    "map": 13,
}
_CARD_WIRE = {"explicit": 1, "implicit": 1, "required": 2, "repeated": 3, "map": 3}
_CARD_WIRE_JSON = {"explicit": 1, "implicit": 1, "required": 2, "repeated": 3, "map": 4}
_CARD_TEXT = {
    "explicit": "optional with explicit presence",
    "implicit": "optional with implicit presence",
    "required": "required",
    "repeated": "repeated",
    "map": "map",
}

FileRec = dict[str, Any]


@dataclass
class Side:
    """One side of the comparison: the compiled files and indexes over them."""

    files: dict[str, FileRec]
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    enums: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    extensions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rec in self.files.values():
            for m in rec["messages"]:
                self.messages[m["full_name"]] = m
            for e in rec["enums"]:
                self.enums[e["full_name"]] = e
            for s in rec["services"]:
                self.services[s["full_name"]] = s
            for x in rec["extensions"]:
                self.extensions[x["full_name"]] = x

    def package_of(self, path: str) -> str:
        return str(self.files[path]["package"])


@dataclass
class Report:
    changes: list[dict[str, Any]] = field(default_factory=list)
    additions: list[dict[str, Any]] = field(default_factory=list)
    deleted_fields: list[dict[str, Any]] = field(default_factory=list)


class _Comparer:
    def __init__(self, base: Side, head: Side, head_present: set[str]) -> None:
        self.base, self.head, self.head_present = base, head, head_present
        self.report = Report()

    # -- emitting ---------------------------------------------------------------------------

    def add(
        self,
        rule: str,
        file: str,
        line: int | None,
        message: str,
        element: str,
        side: str = "head",
        **details: Any,
    ) -> None:
        self.report.changes.append(
            {
                "rule": rule,
                "categories": [c for c in CATEGORY_ORDER if c in RULE_CATEGORIES[rule]],
                "file": file,
                "line": line or 1,
                "side": side,
                "message": message,
                "element": element,
                "details": details,
            }
        )

    def added(self, kind: str, element: str, file: str, line: int, **extra: Any) -> None:
        self.report.additions.append({"kind": kind, "element": element, "file": file, "line": line, **extra})

    def deleted_location(
        self,
        head_file: FileRec | None,
        nested_name: str,
        base_rec: dict[str, Any],
    ) -> tuple[str, int, str]:
        """Where to point at a deleted element: its nearest surviving parent message in the head
        file, else the head file's package line, else the base file (side ``base``)."""
        if head_file is None:
            return base_rec["file"], base_rec["line"], "base"
        by_nested = {m["nested_name"]: m for m in head_file["messages"]}
        parts = nested_name.split(".")
        for i in range(len(parts) - 1, 0, -1):
            parent = by_nested.get(".".join(parts[:i]))
            if parent is not None:
                return head_file["file"], parent["line"], "head"
        return head_file["file"], head_file.get("package_line") or 1, "head"

    # -- rules --------------------------------------------------------------------------------

    def run(self) -> Report:
        self.files()
        self.packages()
        for full, old in sorted(self.base.messages.items()):
            new = self.head.messages.get(full)
            if new is not None:
                self.message_pair(old, new)
        for full, old_enum in sorted(self.base.enums.items()):
            new_enum = self.head.enums.get(full)
            if new_enum is not None:
                self.enum_pair(old_enum, new_enum)
        for full, old_svc in sorted(self.base.services.items()):
            new_svc = self.head.services.get(full)
            if new_svc is not None:
                self.service_pair(old_svc, new_svc)
        self.new_elements()
        r = self.report
        r.changes.sort(key=lambda c: (c["file"], c["line"], c["rule"], c["element"], c["message"]))
        r.additions.sort(key=lambda a: (a["file"], a["line"], a["kind"], a["element"]))
        r.deleted_fields.sort(key=lambda d: (d["file"], d["line"], d["message"], d["number"]))
        return r

    def files(self) -> None:
        for path, old in sorted(self.base.files.items()):
            if path not in self.head_present:
                self.add(
                    "FILE_NO_DELETE",
                    path,
                    old.get("package_line") or 1,
                    f'Previously present file "{path}" was deleted.',
                    path,
                    side="base",
                )
                continue
            new = self.head.files.get(path)
            if new is None:
                continue
            self.file_pair(old, new)

    def file_pair(self, old: FileRec, new: FileRec) -> None:
        path = new["file"]
        if old["package"] != new["package"]:
            self.add(
                "FILE_SAME_PACKAGE",
                path,
                new.get("package_line"),
                f'File package changed from "{old["package"]}" to "{new["package"]}".',
                path,
                previous=old["package"],
                current=new["package"],
            )
        old_syntax = _syntax_text(old)
        new_syntax = _syntax_text(new)
        if old_syntax != new_syntax:
            self.add(
                "FILE_SAME_SYNTAX",
                path,
                1,
                f'File syntax changed from "{old_syntax}" to "{new_syntax}".',
                path,
                previous=old_syntax,
                current=new_syntax,
            )
        for option, rule in FILE_OPTION_RULES:
            before = old["options"].get(option, FILE_OPTION_DEFAULTS.get(option, ""))
            after = new["options"].get(option, FILE_OPTION_DEFAULTS.get(option, ""))
            if before != after:
                line = new["option_lines"].get(option) or new.get("package_line")
                self.add(
                    rule,
                    path,
                    line,
                    f'File option "{option}" changed from "{_text(before)}" to "{_text(after)}".',
                    path,
                    previous=before,
                    current=after,
                )
        self._deleted_in_file("MESSAGE_NO_DELETE", "message", old["messages"], new["messages"], new)
        self._deleted_in_file("ENUM_NO_DELETE", "enum", old["enums"], new["enums"], new)
        old_svcs = {s["name"]: s for s in old["services"]}
        new_svcs = {s["name"] for s in new["services"]}
        for name, svc in sorted(old_svcs.items()):
            if name not in new_svcs:
                self.add(
                    "SERVICE_NO_DELETE",
                    path,
                    new.get("package_line"),
                    f'Previously present service "{name}" was deleted from file.',
                    svc["full_name"],
                    base_line=svc["line"],
                )
        old_ext = {x["full_name"]: x for x in old["extensions"]}
        new_ext = {x["full_name"] for x in new["extensions"]}
        for full, ext in sorted(old_ext.items()):
            if full not in new_ext:
                self.add(
                    "EXTENSION_NO_DELETE",
                    path,
                    new.get("package_line"),
                    f'Previously present extension "{full}" was deleted from file.',
                    full,
                    base_line=ext["line"],
                )

    def _deleted_in_file(
        self,
        rule: str,
        what: str,
        old_items: list[dict[str, Any]],
        new_items: list[dict[str, Any]],
        new_file: FileRec,
    ) -> None:
        present = {x["nested_name"] for x in new_items}
        for item in old_items:
            if item["nested_name"] in present:
                continue
            file, line, side = self.deleted_location(new_file, item["nested_name"], item)
            self.add(
                rule,
                file,
                line,
                f'Previously present {what} "{item["nested_name"]}" was deleted from file.',
                item["full_name"],
                side=side,
                base_line=item["line"],
            )

    def packages(self) -> None:
        base_pkgs: dict[str, list[str]] = {}
        for path, rec in self.base.files.items():
            base_pkgs.setdefault(rec["package"], []).append(path)
        head_pkgs = {rec["package"] for rec in self.head.files.values()}
        # A file present in head that did not compile keeps its base package: we cannot tell.
        head_pkgs |= {
            self.base.files[p]["package"]
            for p in self.head_present - set(self.head.files)
            if p in self.base.files
        }
        for pkg, paths in sorted(base_pkgs.items()):
            if pkg not in head_pkgs:
                first = self.base.files[sorted(paths)[0]]
                self.add(
                    "PACKAGE_NO_DELETE",
                    first["file"],
                    first.get("package_line"),
                    f'Previously present package "{pkg}" was deleted.',
                    pkg,
                    side="base",
                )
                continue
            self._package_members(pkg, "messages", "message", "PACKAGE_MESSAGE_NO_DELETE")
            self._package_members(pkg, "enums", "enum", "PACKAGE_ENUM_NO_DELETE")
            self._package_members(pkg, "services", "service", "PACKAGE_SERVICE_NO_DELETE")
            self._package_members(pkg, "extensions", "extension", "PACKAGE_EXTENSION_NO_DELETE")

    def _package_members(self, pkg: str, key: str, what: str, rule: str) -> None:
        def members(side: Side, skip: Callable[[str], bool]) -> dict[str, dict[str, Any]]:
            out: dict[str, dict[str, Any]] = {}
            for path, rec in side.files.items():
                if rec["package"] == pkg and not skip(path):
                    for item in rec[key]:
                        out[item["full_name"]] = item
            return out

        unknown = self.head_present - set(self.head.files)
        old = members(self.base, lambda p: p in unknown)
        new = members(self.head, lambda p: False)
        for full, item in sorted(old.items()):
            if full in new:
                continue
            nested = full[len(pkg) + 1 :] if pkg else full
            head_file = self.head.files.get(item["file"])
            file, line, side = self.deleted_location(head_file, nested, item)
            self.add(
                rule,
                file,
                line,
                f'Previously present {what} "{nested}" was deleted from package "{pkg}".',
                full,
                side=side,
                base_line=item["line"],
            )

    def message_pair(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        name, file, line, full = new["name"], new["file"], new["line"], new["full_name"]
        old_fields = {f["number"]: f for f in old["fields"]}
        new_fields = {f["number"]: f for f in new["fields"]}
        for number, f in sorted(old_fields.items()):
            if number in new_fields:
                self.field_pair(f, new_fields[number], new)
                continue
            number_reserved = _in_ranges(number, new["reserved_ranges"])
            name_reserved = f["name"] in {r["name"] for r in new["reserved_names"]}
            base_msg = (
                f'Previously present field "{number}" with name "{f["name"]}" on message "{name}" was deleted'
            )
            details = {
                "number": number,
                "name": f["name"],
                "number_reserved": number_reserved,
                "name_reserved": name_reserved,
                "base_line": f["line"],
            }
            self.add("FIELD_NO_DELETE", file, line, base_msg + ".", f["full_name"], **details)
            if not number_reserved:
                self.add(
                    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
                    file,
                    line,
                    f'{base_msg} without reserving the number "{number}".',
                    f["full_name"],
                    **details,
                )
            if not name_reserved:
                self.add(
                    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
                    file,
                    line,
                    f'{base_msg} without reserving the name "{f["name"]}".',
                    f["full_name"],
                    **details,
                )
            self.report.deleted_fields.append(
                {
                    "message": full,
                    "name": f["name"],
                    "number": number,
                    "file": file,
                    "line": line,
                    "base_file": f["file"],
                    "base_line": f["line"],
                    "number_reserved": number_reserved,
                    "name_reserved": name_reserved,
                }
            )
        for number, f in sorted(new_fields.items()):
            if number not in old_fields:
                self.added(
                    "field",
                    f["full_name"],
                    f["file"],
                    f["line"],
                    name=f["name"],
                    number=number,
                    label=f["label"],
                    cardinality=f["cardinality"],
                    type=f["type"],
                    proto3_optional=f["proto3_optional"],
                    required=f["label"] == "required",
                    message=full,
                )
        for r in old["reserved_ranges"]:
            if not _range_covered(r, new["reserved_ranges"]):
                text = _range_text(r)
                self.add(
                    "RESERVED_MESSAGE_NO_DELETE",
                    file,
                    line,
                    f'Previously present reserved range "{text}" on message "{name}" was deleted.',
                    full,
                    range=text,
                )
        new_names = {r["name"] for r in new["reserved_names"]}
        for r in old["reserved_names"]:
            if r["name"] not in new_names:
                self.add(
                    "RESERVED_MESSAGE_NO_DELETE",
                    file,
                    line,
                    f'Previously present reserved name "{r["name"]}" on message "{name}" was deleted.',
                    full,
                    reserved_name=r["name"],
                )
        for r in old["extension_ranges"]:
            if not _range_covered(r, new["extension_ranges"]):
                text = _range_text(r)
                self.add(
                    "EXTENSION_MESSAGE_NO_DELETE",
                    file,
                    line,
                    f'Previously present extension range "{text}" on message "{name}" was deleted.',
                    full,
                    range=text,
                )
        new_oneofs = {o["name"] for o in new["oneofs"]}
        for o in old["oneofs"]:
            if o["name"] not in new_oneofs:
                self.add(
                    "ONEOF_NO_DELETE",
                    file,
                    line,
                    f'Previously present oneof "{o["name"]}" on message "{name}" was deleted.',
                    full,
                    oneof=o["name"],
                )
        old_req = {n for n, f in old_fields.items() if f["cardinality"] == "required"}
        new_req = {n for n, f in new_fields.items() if f["cardinality"] == "required"}
        for n in sorted(old_req - new_req):
            self.add(
                "MESSAGE_SAME_REQUIRED_FIELDS",
                file,
                line,
                f'Message "{name}" had required field "{n}" deleted. Required fields must always be sent, '
                "so if one side does not know about the required field, this will result in a breakage.",
                full,
                number=n,
            )
        for n in sorted(new_req - old_req):
            self.add(
                "MESSAGE_SAME_REQUIRED_FIELDS",
                file,
                new_fields[n]["line"],
                f'Message "{name}" had required field "{n}" added. Required fields must always be sent, '
                "so if one side does not know about the required field, this will result in a breakage.",
                full,
                number=n,
            )
        for option, rule in (
            ("message_set_wire_format", "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT"),
            ("no_standard_descriptor_accessor", "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR"),
        ):
            before = bool(old["options"].get(option, False))
            after = bool(new["options"].get(option, False))
            fires = (
                before != after if rule == "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT" else (after and not before)
            )
            if fires:
                self.add(
                    rule,
                    file,
                    line,
                    f'Message option "{option}" changed from "{_text(before)}" to "{_text(after)}".',
                    full,
                    previous=before,
                    current=after,
                )

    def field_pair(self, old: dict[str, Any], new: dict[str, Any], msg: dict[str, Any]) -> None:
        num, mname, file, line, el = new["number"], msg["name"], new["file"], new["line"], new["full_name"]
        if old["name"] != new["name"]:
            self.add(
                "FIELD_SAME_NAME",
                file,
                line,
                f'Field "{num}" on message "{mname}" changed name from "{old["name"]}" to "{new["name"]}".',
                el,
                previous=old["name"],
                current=new["name"],
            )
        if old["json_name"] != new["json_name"]:
            self.add(
                "FIELD_SAME_JSON_NAME",
                file,
                line,
                f'Field "{num}" with name "{new["name"]}" on message "{mname}" changed option "json_name" '
                f'from "{old["json_name"]}" to "{new["json_name"]}".',
                el,
                previous=old["json_name"],
                current=new["json_name"],
            )
        self._field_types(old, new, mname, el)
        oc, nc = old["cardinality"], new["cardinality"]
        if oc != nc:
            text = (
                f'Field "{num}" with name "{new["name"]}" on message "{mname}" changed cardinality from '
                f'"{_CARD_TEXT[oc]}" to "{_CARD_TEXT[nc]}".'
            )
            self.add("FIELD_SAME_CARDINALITY", file, line, text, el, previous=oc, current=nc)
            if _CARD_WIRE[oc] != _CARD_WIRE[nc]:
                self.add("FIELD_WIRE_COMPATIBLE_CARDINALITY", file, line, text, el, previous=oc, current=nc)
            if _CARD_WIRE_JSON[oc] != _CARD_WIRE_JSON[nc]:
                self.add(
                    "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", file, line, text, el, previous=oc, current=nc
                )
        if old["oneof"] != new["oneof"]:
            if old["oneof"] and new["oneof"]:
                text = (
                    f'Field "{num}" on message "{mname}" moved from oneof "{old["oneof"]}" '
                    f'to oneof "{new["oneof"]}".'
                )
            else:
                before, after = ("inside", "outside") if old["oneof"] else ("outside", "inside")
                text = f'Field "{num}" on message "{mname}" moved from {before} to {after} a oneof.'
            self.add("FIELD_SAME_ONEOF", file, line, text, el, previous=old["oneof"], current=new["oneof"])
        for option, rule, default in (
            ("jstype", "FIELD_SAME_JSTYPE", "JS_NORMAL"),
            ("ctype", "FIELD_SAME_CPP_STRING_TYPE", "STRING"),
        ):
            before = old["options"].get(option, default)
            after = new["options"].get(option, default)
            if before != after:
                self.add(
                    rule,
                    file,
                    line,
                    f'Field "{num}" with name "{new["name"]}" on message "{mname}" changed option "{option}" '
                    f'from "{before}" to "{after}".',
                    el,
                    previous=before,
                    current=after,
                )
        comparable = {oc, nc}.isdisjoint({"repeated", "map"}) and old["type"] == new["type"]
        if comparable and self._default(old, self.base) != self._default(new, self.head):
            self.add(
                "FIELD_SAME_DEFAULT",
                file,
                line,
                f'Field "{num}" with name "{new["name"]}" on message "{mname}" changed default value from '
                f'"{old["default"] or ""}" to "{new["default"] or ""}".',
                el,
                previous=old["default"],
                current=new["default"],
            )

    def _field_types(self, old: dict[str, Any], new: dict[str, Any], mname: str, el: str) -> None:
        if old["type"] == new["type"]:
            return
        num, file, line = new["number"], new["file"], new["line"]
        text = f'Field "{num}" on message "{mname}" changed type from "{old["type"]}" to "{new["type"]}".'
        details = {"previous": old["type"], "current": new["type"]}
        self.add("FIELD_SAME_TYPE", file, line, text, el, **details)
        if not self._compatible(old, new, _WIRE_GROUP, wire_only=True):
            self.add("FIELD_WIRE_COMPATIBLE_TYPE", file, line, text, el, **details)
        if not self._compatible(old, new, _WIRE_JSON_GROUP, wire_only=False):
            self.add("FIELD_WIRE_JSON_COMPATIBLE_TYPE", file, line, text, el, **details)

    def _compatible(
        self, old: dict[str, Any], new: dict[str, Any], groups: dict[str, int], wire_only: bool
    ) -> bool:
        if old["type_kind"] == "map" and new["type_kind"] == "map":
            pairs = [(old["map_key"], new["map_key"]), (old["map_value"], new["map_value"])]
            return all(self._type_compatible(a, b, groups, wire_only) for a, b in pairs)
        if "map" in (old["type_kind"], new["type_kind"]):
            return False
        return self._type_compatible(old["type"], new["type"], groups, wire_only)

    def _type_compatible(self, before: str, after: str, groups: dict[str, int], wire_only: bool) -> bool:
        if before == after:
            return True
        kb, ka = self._kind(before, self.base), self._kind(after, self.head)
        if groups[kb] != groups[ka]:
            return wire_only and kb == "string" and ka == "bytes"
        if kb == "enum":
            old_enum, new_enum = self.base.enums.get(before), self.head.enums.get(after)
            if old_enum is None or new_enum is None or old_enum["name"] != new_enum["name"]:
                return False
            new_values = {(v["name"], v["number"]) for v in new_enum["values"]}
            return all((v["name"], v["number"]) in new_values for v in old_enum["values"])
        return kb not in ("message", "group")

    @staticmethod
    def _default(f: dict[str, Any], side: Side) -> str | None:
        """The field's effective default (proto2/editions), normalised so ``0`` and ``0.0`` match."""
        value = f["default"]
        if f["cardinality"] in ("repeated", "map") or f["type_kind"] in ("message", "group"):
            return None
        if f["type_kind"] == "enum":
            if value is None:
                enum = side.enums.get(f["type"])
                value = enum["values"][0]["name"] if enum and enum["values"] else None
            return value
        if value is None:
            value = {"bool": "false", "string": "", "bytes": ""}.get(f["type"], "0")
        if f["type"] not in ("bool", "string", "bytes"):
            try:
                return repr(float(value))
            except ValueError:
                return str(value)
        return str(value)

    @staticmethod
    def _kind(type_name: str, side: Side) -> str:
        if type_name in _WIRE_GROUP and type_name not in ("message", "group", "enum", "map"):
            return type_name
        if type_name in side.enums:
            return "enum"
        return "message"

    def enum_pair(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        name, file, line, full = new["name"], new["file"], new["line"], new["full_name"]
        old_by_num: dict[int, list[dict[str, Any]]] = {}
        new_by_num: dict[int, list[dict[str, Any]]] = {}
        for v in old["values"]:
            old_by_num.setdefault(v["number"], []).append(v)
        for v in new["values"]:
            new_by_num.setdefault(v["number"], []).append(v)
        reserved_names = {r["name"] for r in new["reserved_names"]}
        for number, values in sorted(old_by_num.items()):
            if number in new_by_num:
                old_names = sorted(v["name"] for v in values)
                new_names = sorted(v["name"] for v in new_by_num[number])
                if not set(new_names) <= set(old_names):
                    s = "s" if len(old_names) > 1 and len(new_names) > 1 else ""
                    for v in new_by_num[number]:
                        self.add(
                            "ENUM_VALUE_SAME_NAME",
                            file,
                            v["line"],
                            f'Enum value "{number}" on enum "{name}" changed name{s} from '
                            f"{_quoted(old_names)} to {_quoted(new_names)}.",
                            f"{full}.{v['name']}",
                            previous=old_names,
                            current=new_names,
                        )
                continue
            names = sorted(v["name"] for v in values)
            element = f"{full}.{names[0]}"
            number_reserved = _in_ranges(number, new["reserved_ranges"])
            name_reserved = all(n in reserved_names for n in names)
            details = {
                "number": number,
                "names": names,
                "number_reserved": number_reserved,
                "name_reserved": name_reserved,
                "base_line": values[0]["line"],
            }
            text = f'Previously present enum value "{number}" on enum "{name}" was deleted'
            self.add("ENUM_VALUE_NO_DELETE", file, line, text + ".", element, **details)
            if not number_reserved:
                self.add(
                    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
                    file,
                    line,
                    f'{text} without reserving the number "{number}".',
                    element,
                    **details,
                )
            if not name_reserved:
                s = "s" if len(names) > 1 else ""
                self.add(
                    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
                    file,
                    line,
                    f"{text} without reserving the name{s} {_quoted(names, ', ')}.",
                    element,
                    **details,
                )
        for number, values in sorted(new_by_num.items()):
            if number not in old_by_num:
                for v in values:
                    self.added(
                        "enum_value",
                        f"{full}.{v['name']}",
                        v["file"],
                        v["line"],
                        name=v["name"],
                        number=number,
                        enum=full,
                    )
        for r in old["reserved_ranges"]:
            if not _range_covered(r, new["reserved_ranges"]):
                text = _range_text(r)
                self.add(
                    "RESERVED_ENUM_NO_DELETE",
                    file,
                    line,
                    f'Previously present reserved range "{text}" on enum "{name}" was deleted.',
                    full,
                    range=text,
                )
        for r in old["reserved_names"]:
            if r["name"] not in reserved_names:
                self.add(
                    "RESERVED_ENUM_NO_DELETE",
                    file,
                    line,
                    f'Previously present reserved name "{r["name"]}" on enum "{name}" was deleted.',
                    full,
                    reserved_name=r["name"],
                )
        if old["closed"] != new["closed"]:
            before, after = ("closed", "open") if old["closed"] else ("open", "closed")
            self.add(
                "ENUM_SAME_TYPE",
                file,
                line,
                f'Enum "{name}" changed from {before} to {after}.',
                full,
                previous=before,
                current=after,
            )

    def service_pair(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        sname, file, line = new["name"], new["file"], new["line"]
        new_rpcs = {r["name"]: r for r in new["rpcs"]}
        for rpc in old["rpcs"]:
            cur = new_rpcs.get(rpc["name"])
            if cur is None:
                self.add(
                    "RPC_NO_DELETE",
                    file,
                    line,
                    f'Previously present RPC "{rpc["name"]}" on service "{sname}" was deleted.',
                    rpc["full_name"],
                    base_line=rpc["line"],
                )
                continue
            el, rline, rname = cur["full_name"], cur["line"], cur["name"]
            for key, rule, what in (
                ("input_type", "RPC_SAME_REQUEST_TYPE", "request type"),
                ("output_type", "RPC_SAME_RESPONSE_TYPE", "response type"),
                ("idempotency_level", "RPC_SAME_IDEMPOTENCY_LEVEL", 'option "idempotency_level"'),
            ):
                if rpc[key] != cur[key]:
                    self.add(
                        rule,
                        file,
                        rline,
                        f'RPC "{rname}" on service "{sname}" changed {what} '
                        f'from "{rpc[key]}" to "{cur[key]}".',
                        el,
                        previous=rpc[key],
                        current=cur[key],
                    )
            for key, rule, who in (
                ("client_streaming", "RPC_SAME_CLIENT_STREAMING", "client"),
                ("server_streaming", "RPC_SAME_SERVER_STREAMING", "server"),
            ):
                if rpc[key] != cur[key]:
                    before, after = ("streaming", "unary") if rpc[key] else ("unary", "streaming")
                    self.add(
                        rule,
                        file,
                        rline,
                        f'RPC "{rname}" on service "{sname}" changed from {who} {before} to {who} {after}.',
                        el,
                        previous=rpc[key],
                        current=cur[key],
                    )

    def new_elements(self) -> None:
        for path, _rec in sorted(self.head.files.items()):
            if path not in self.base.files:
                self.added("file", path, path, 1)
        for full, m in sorted(self.head.messages.items()):
            if full not in self.base.messages:
                self.added("message", full, m["file"], m["line"])
        for full, e in sorted(self.head.enums.items()):
            if full not in self.base.enums:
                self.added("enum", full, e["file"], e["line"])
        for full, s in sorted(self.head.services.items()):
            old = self.base.services.get(full)
            if old is None:
                self.added("service", full, s["file"], s["line"])
            old_rpcs = {r["name"] for r in old["rpcs"]} if old else set()
            for r in s["rpcs"]:
                if r["name"] not in old_rpcs:
                    self.added(
                        "rpc",
                        r["full_name"],
                        r["file"],
                        r["line"],
                        input_type=r["input_type"],
                        output_type=r["output_type"],
                        client_streaming=r["client_streaming"],
                        server_streaming=r["server_streaming"],
                    )


def compare(
    base_files: dict[str, FileRec], head_files: dict[str, FileRec], head_present: Iterable[str]
) -> Report:
    """Changes from ``base_files`` to ``head_files`` (both: repo path -> file record).

    ``head_present`` are the head paths that exist, compiled or not: a file that exists but did
    not compile is not reported deleted, and its contents are not compared.
    """
    present = set(head_present)
    unknown = present - set(head_files)
    base = Side({p: r for p, r in base_files.items() if p not in unknown})
    head = Side(dict(head_files))
    return _Comparer(base, head, present).run()


def _syntax_text(rec: FileRec) -> str:
    return f"editions {rec['edition']}" if rec["syntax"] == "editions" else str(rec["syntax"])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _quoted(names: list[str], sep: str = ", ") -> str:
    return sep.join(f'"{n}"' for n in names)


def _in_ranges(number: int, ranges: list[dict[str, Any]]) -> bool:
    return any(r["start"] <= number <= r["end"] for r in ranges)


def _range_covered(r: dict[str, Any], ranges: list[dict[str, Any]]) -> bool:
    """Whether every number of inclusive range ``r`` is in the union of ``ranges``."""
    cursor = r["start"]
    for other in sorted(ranges, key=lambda x: x["start"]):
        if other["start"] > cursor:
            break
        cursor = max(cursor, other["end"] + 1)
        if cursor > r["end"]:
            return True
    return cursor > r["end"]


def _range_text(r: dict[str, Any]) -> str:
    return str(r["start"]) if r["start"] == r["end"] else f"{r['start']}-{r['end']}"
