"""buf breaking rules as classified by the proto extractor, on one real base/head pair of commits.

One git repository (module scope: compiling it once keeps the suite fast) holds a base and a head
commit whose .proto files exercise every classified rule. Each test checks one rule: it fires on
the element changed for it and does not fire on a control element.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import git
import pytest

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.proto import extract
from sentinel.extractors.selection import select_files

BASE: dict[str, str] = {
    "proto/m.proto": """\
syntax = "proto3";
package m.v1;
option go_package = "example.com/m/v1;mv1";
option java_package = "com.example.m.v1";

message Deleted {}
message Kept {}
message Moved {}
message Outer {
  message InnerDeleted {}
  message InnerKept {}
}
message Fields {
  int32 deleted_plain = 1;
  int32 deleted_reserved = 2;
  int32 deleted_num_only = 3;
  int32 type_changed = 4;
  int32 type_wire_broken = 5;
  int32 renamed_old = 6;
  string json_changed = 7;
  int32 to_optional = 8;
  int32 to_repeated = 9;
  string into_oneof = 11;
  int32 untouched = 12;
  repeated Kept to_map = 15;
  Color color = 16;
  bytes to_string = 17;
  string to_bytes = 18;
  int64 js = 19;
}
message Choice {
  oneof gone { string a = 1; }
  oneof stays { string b = 2; }
}
enum Color {
  COLOR_UNSPECIFIED = 0;
  COLOR_RED = 1;
}
message Reserved {
  reserved 5, 8 to 10;
  reserved "gone", "kept_name";
}
enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_DELETED = 1;
  STATUS_RESERVED = 2;
  STATUS_OLD_NAME = 3;
  STATUS_ACTIVE = 4;
  reserved 10, 20 to 30;
  reserved "STATUS_GONE", "STATUS_KEPT";
}
enum DeletedEnum { DELETED_ENUM_UNSPECIFIED = 0; }
enum KeptEnum { KEPT_ENUM_UNSPECIFIED = 0; }
service DeletedService { rpc Call(Kept) returns (Kept); }
service Api {
  rpc Deleted(Kept) returns (Kept);
  rpc Request(Kept) returns (Kept);
  rpc Response(Kept) returns (Kept);
  rpc ClientStream(Kept) returns (Kept);
  rpc ServerStream(Kept) returns (Kept);
  rpc Stable(Kept) returns (Kept);
  rpc Idem(Kept) returns (Kept);
}
""",
    "proto/deleted.proto": 'syntax = "proto3";\npackage del.v1;\nmessage Gone {}\n',
    "proto/kept.proto": 'syntax = "proto3";\npackage kept.v1;\nmessage Stays {}\n',
    "proto/pkg.proto": 'syntax = "proto3";\npackage pkg.v1;\nmessage P {}\n',
    "proto/syntax.proto": (
        'syntax = "proto2";\npackage syn.v1;\n'
        "message S { optional int32 a = 1; }\nenum Flag { FLAG_ZERO = 0; }\n"
    ),
    "proto/req.proto": """\
syntax = "proto2";
package req.v1;
message R {
  required int32 a = 1;
  optional int32 b = 2;
  optional int32 c = 3 [default = 1];
  optional int32 d = 4 [default = 7];
}
message Steady {
  required int32 a = 1;
}
""",
}

HEAD: dict[str, str] = {
    "proto/m.proto": """\
syntax = "proto3";
package m.v1;
option go_package = "example.com/m/v2;mv1";
option java_package = "com.example.m.v1";

message Kept {}
message Outer {
  message InnerKept {}
}
message Fields {
  reserved 2, 3;
  reserved "deleted_reserved";
  int64 type_changed = 4;
  string type_wire_broken = 5;
  int32 renamed_new = 6;
  string json_changed = 7 [json_name = "jc"];
  optional int32 to_optional = 8;
  repeated int32 to_repeated = 9;
  oneof choice {
    string into_oneof = 11;
  }
  int32 untouched = 12;
  bool added_field = 13;
  optional string added_optional = 14;
  map<string, Kept> to_map = 15;
  Color color = 16;
  string to_string = 17;
  bytes to_bytes = 18;
  int64 js = 19 [jstype = JS_STRING];
}
message Choice {
  string a = 1;
  oneof stays { string b = 2; }
}
enum Color {
  COLOR_UNSPECIFIED = 0;
  COLOR_RED = 1;
  COLOR_BLUE = 2;
}
message Reserved {
  reserved 8 to 10;
  reserved "kept_name";
}
enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_NEW_NAME = 3;
  STATUS_ACTIVE = 4;
  reserved 2, 20 to 30;
  reserved "STATUS_RESERVED", "STATUS_KEPT";
}
enum KeptEnum { KEPT_ENUM_UNSPECIFIED = 0; }
message NewMessage {}
enum NewEnum { NEW_ENUM_UNSPECIFIED = 0; }
service Api {
  rpc Request(Fields) returns (Kept);
  rpc Response(Kept) returns (Fields);
  rpc ClientStream(stream Kept) returns (Kept);
  rpc ServerStream(Kept) returns (stream Kept);
  rpc Stable(Kept) returns (Kept);
  rpc Added(Kept) returns (Kept);
  rpc Idem(Kept) returns (Kept) { option idempotency_level = NO_SIDE_EFFECTS; }
}
""",
    "proto/m2.proto": 'syntax = "proto3";\npackage m.v1;\nmessage Moved {}\n',
    "proto/kept.proto": BASE["proto/kept.proto"],
    "proto/pkg.proto": 'syntax = "proto3";\npackage pkg.v2;\nmessage P {}\n',
    "proto/syntax.proto": (
        'syntax = "proto3";\npackage syn.v1;\n'
        "message S { optional int32 a = 1; }\nenum Flag { FLAG_ZERO = 0; }\n"
    ),
    "proto/req.proto": """\
syntax = "proto2";
package req.v1;
message R {
  optional int32 a = 1;
  required int32 b = 2;
  optional int32 c = 3 [default = 2];
  optional int32 d = 4 [default = 7];
}
message Steady {
  required int32 a = 1;
}
""",
}


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("breaking")
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Sentinel Test")
        cw.set_value("user", "email", "test@example.invalid")
    _write(root, BASE)
    repo.git.add("-A")
    repo.index.commit("base")
    base = repo.head.commit.hexsha
    for rel in BASE:
        if rel not in HEAD:
            repo.index.remove([rel], working_tree=True)
    _write(root, HEAD)
    repo.git.add("-A")
    repo.index.commit("head")
    ctx = ExtractContext(
        root=root, files=tuple(select_files(root)), base=base, is_git=True, revision=repo.head.commit.hexsha
    )
    return extract(ctx)


def fired(doc: dict[str, Any], rule: str) -> set[str]:
    return {c["element"] for c in doc["changes"] if c["rule"] == rule}


def change(doc: dict[str, Any], rule: str, element: str) -> dict[str, Any]:
    matches = [c for c in doc["changes"] if c["rule"] == rule and c["element"] == element]
    assert len(matches) == 1, (rule, element, matches)
    return matches[0]


def line_of(rel: str, needle: str, files: dict[str, str] = HEAD) -> int:
    for number, text in enumerate(files[rel].splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {rel}")


def test_compiles_both_sides_without_problems(doc: dict[str, Any]) -> None:
    assert doc["problems"] == []
    assert doc["compared"] is True


def test_file_no_delete_points_at_the_base_file(doc: dict[str, Any]) -> None:
    assert fired(doc, "FILE_NO_DELETE") == {"proto/deleted.proto"}
    c = change(doc, "FILE_NO_DELETE", "proto/deleted.proto")
    assert (c["side"], c["categories"]) == ("base", ["FILE"])


def test_file_same_package(doc: dict[str, Any]) -> None:
    assert fired(doc, "FILE_SAME_PACKAGE") == {"proto/pkg.proto"}
    c = change(doc, "FILE_SAME_PACKAGE", "proto/pkg.proto")
    assert c["categories"] == ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]
    assert c["line"] == 2
    assert c["message"] == 'File package changed from "pkg.v1" to "pkg.v2".'


def test_file_same_go_package_fires_and_unchanged_java_package_does_not(doc: dict[str, Any]) -> None:
    c = change(doc, "FILE_SAME_GO_PACKAGE", "proto/m.proto")
    assert c["line"] == line_of("proto/m.proto", "go_package")
    assert c["categories"] == ["FILE", "PACKAGE"]
    assert fired(doc, "FILE_SAME_JAVA_PACKAGE") == set()


def test_file_same_syntax(doc: dict[str, Any]) -> None:
    assert fired(doc, "FILE_SAME_SYNTAX") == {"proto/syntax.proto"}


def test_package_no_delete(doc: dict[str, Any]) -> None:
    assert fired(doc, "PACKAGE_NO_DELETE") == {"del.v1", "pkg.v1"}
    assert change(doc, "PACKAGE_NO_DELETE", "del.v1")["categories"] == ["PACKAGE"]


def test_message_no_delete_covers_nested_and_moved_messages(doc: dict[str, Any]) -> None:
    assert fired(doc, "MESSAGE_NO_DELETE") == {"m.v1.Deleted", "m.v1.Moved", "m.v1.Outer.InnerDeleted"}
    nested = change(doc, "MESSAGE_NO_DELETE", "m.v1.Outer.InnerDeleted")
    assert nested["line"] == line_of("proto/m.proto", "message Outer")


def test_package_message_no_delete_ignores_a_message_moved_within_the_package(doc: dict[str, Any]) -> None:
    assert fired(doc, "PACKAGE_MESSAGE_NO_DELETE") == {"m.v1.Deleted", "m.v1.Outer.InnerDeleted"}


def test_field_no_delete(doc: dict[str, Any]) -> None:
    assert fired(doc, "FIELD_NO_DELETE") == {
        "m.v1.Fields.deleted_plain",
        "m.v1.Fields.deleted_reserved",
        "m.v1.Fields.deleted_num_only",
    }
    c = change(doc, "FIELD_NO_DELETE", "m.v1.Fields.deleted_plain")
    assert c["message"] == (
        'Previously present field "1" with name "deleted_plain" on message "Fields" was deleted.'
    )
    assert c["line"] == line_of("proto/m.proto", "message Fields")


def test_field_no_delete_unless_number_reserved(doc: dict[str, Any]) -> None:
    assert fired(doc, "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED") == {"m.v1.Fields.deleted_plain"}
    c = change(doc, "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", "m.v1.Fields.deleted_plain")
    assert c["categories"] == ["WIRE_JSON", "WIRE"]


def test_field_no_delete_unless_name_reserved(doc: dict[str, Any]) -> None:
    assert fired(doc, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED") == {
        "m.v1.Fields.deleted_plain",
        "m.v1.Fields.deleted_num_only",
    }
    c = change(doc, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED", "m.v1.Fields.deleted_num_only")
    assert c["categories"] == ["WIRE_JSON"]


def test_deleted_fields_say_whether_number_and_name_are_reserved(doc: dict[str, Any]) -> None:
    got = {(d["name"], d["number_reserved"], d["name_reserved"]) for d in doc["deleted_fields"]}
    assert got == {
        ("deleted_plain", False, False),
        ("deleted_reserved", True, True),
        ("deleted_num_only", True, False),
    }


def test_field_same_type_fires_on_every_type_change(doc: dict[str, Any]) -> None:
    assert fired(doc, "FIELD_SAME_TYPE") == {
        "m.v1.Fields.type_changed",
        "m.v1.Fields.type_wire_broken",
        "m.v1.Fields.to_map",
        "m.v1.Fields.to_string",
        "m.v1.Fields.to_bytes",
    }
    c = change(doc, "FIELD_SAME_TYPE", "m.v1.Fields.type_changed")
    assert c["message"] == 'Field "4" on message "Fields" changed type from "int32" to "int64".'
    assert c["line"] == line_of("proto/m.proto", "type_changed")


def test_field_wire_compatible_type_allows_int32_to_int64_and_string_to_bytes(doc: dict[str, Any]) -> None:
    assert fired(doc, "FIELD_WIRE_COMPATIBLE_TYPE") == {
        "m.v1.Fields.type_wire_broken",
        "m.v1.Fields.to_map",
        "m.v1.Fields.to_string",
    }


def test_field_wire_json_compatible_type_rejects_int32_to_int64(doc: dict[str, Any]) -> None:
    assert "m.v1.Fields.type_changed" in fired(doc, "FIELD_WIRE_JSON_COMPATIBLE_TYPE")
    assert "m.v1.Fields.color" not in fired(doc, "FIELD_WIRE_JSON_COMPATIBLE_TYPE")


def test_field_same_name(doc: dict[str, Any]) -> None:
    assert fired(doc, "FIELD_SAME_NAME") == {"m.v1.Fields.renamed_new"}
    c = change(doc, "FIELD_SAME_NAME", "m.v1.Fields.renamed_new")
    assert c["categories"] == ["FILE", "PACKAGE", "WIRE_JSON"]


def test_field_same_json_name(doc: dict[str, Any]) -> None:
    assert fired(doc, "FIELD_SAME_JSON_NAME") == {"m.v1.Fields.renamed_new", "m.v1.Fields.json_changed"}


def test_field_same_cardinality(doc: dict[str, Any]) -> None:
    assert {"m.v1.Fields.to_optional", "m.v1.Fields.to_repeated", "m.v1.Fields.to_map"} <= fired(
        doc, "FIELD_SAME_CARDINALITY"
    )
    assert "m.v1.Fields.untouched" not in fired(doc, "FIELD_SAME_CARDINALITY")
    c = change(doc, "FIELD_SAME_CARDINALITY", "m.v1.Fields.to_optional")
    assert (c["details"]["previous"], c["details"]["current"]) == ("implicit", "explicit")


def test_field_wire_compatible_cardinality_ignores_presence_and_repeated_to_map(doc: dict[str, Any]) -> None:
    got = fired(doc, "FIELD_WIRE_COMPATIBLE_CARDINALITY")
    assert "m.v1.Fields.to_repeated" in got
    assert "m.v1.Fields.to_optional" not in got
    assert "m.v1.Fields.to_map" not in got


def test_field_wire_json_compatible_cardinality_rejects_repeated_to_map(doc: dict[str, Any]) -> None:
    got = fired(doc, "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY")
    assert {"m.v1.Fields.to_repeated", "m.v1.Fields.to_map"} <= got
    assert "m.v1.Fields.to_optional" not in got


def test_field_same_oneof(doc: dict[str, Any]) -> None:
    assert fired(doc, "FIELD_SAME_ONEOF") == {"m.v1.Fields.into_oneof", "m.v1.Choice.a"}
    c = change(doc, "FIELD_SAME_ONEOF", "m.v1.Fields.into_oneof")
    assert c["message"] == 'Field "11" on message "Fields" moved from outside to inside a oneof.'


def test_oneof_no_delete(doc: dict[str, Any]) -> None:
    got = [(c["element"], c["details"]["oneof"]) for c in doc["changes"] if c["rule"] == "ONEOF_NO_DELETE"]
    assert got == [("m.v1.Choice", "gone")]


def test_field_same_jstype(doc: dict[str, Any]) -> None:
    assert fired(doc, "FIELD_SAME_JSTYPE") == {"m.v1.Fields.js"}


def test_enum_same_type_fires_when_proto2_enum_becomes_proto3(doc: dict[str, Any]) -> None:
    assert fired(doc, "ENUM_SAME_TYPE") == {"syn.v1.Flag"}
    c = change(doc, "ENUM_SAME_TYPE", "syn.v1.Flag")
    assert c["message"] == 'Enum "Flag" changed from closed to open.'


def test_rpc_same_idempotency_level(doc: dict[str, Any]) -> None:
    assert fired(doc, "RPC_SAME_IDEMPOTENCY_LEVEL") == {"m.v1.Api.Idem"}


def test_package_enum_and_service_no_delete(doc: dict[str, Any]) -> None:
    assert fired(doc, "PACKAGE_ENUM_NO_DELETE") == {"m.v1.DeletedEnum"}
    assert fired(doc, "PACKAGE_SERVICE_NO_DELETE") == {"m.v1.DeletedService"}


def test_field_same_default(doc: dict[str, Any]) -> None:
    assert fired(doc, "FIELD_SAME_DEFAULT") == {"req.v1.R.c"}


def test_message_same_required_fields(doc: dict[str, Any]) -> None:
    assert fired(doc, "MESSAGE_SAME_REQUIRED_FIELDS") == {"req.v1.R"}
    numbers = {c["details"]["number"] for c in doc["changes"] if c["rule"] == "MESSAGE_SAME_REQUIRED_FIELDS"}
    assert numbers == {1, 2}


def test_reserved_message_no_delete(doc: dict[str, Any]) -> None:
    got = [c["details"] for c in doc["changes"] if c["rule"] == "RESERVED_MESSAGE_NO_DELETE"]
    assert sorted(map(str, got)) == sorted(map(str, [{"range": "5"}, {"reserved_name": "gone"}]))


def test_enum_no_delete(doc: dict[str, Any]) -> None:
    assert fired(doc, "ENUM_NO_DELETE") == {"m.v1.DeletedEnum"}


def test_enum_value_no_delete(doc: dict[str, Any]) -> None:
    assert fired(doc, "ENUM_VALUE_NO_DELETE") == {"m.v1.Status.STATUS_DELETED", "m.v1.Status.STATUS_RESERVED"}


def test_enum_value_no_delete_unless_number_reserved(doc: dict[str, Any]) -> None:
    assert fired(doc, "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED") == {"m.v1.Status.STATUS_DELETED"}


def test_enum_value_no_delete_unless_name_reserved(doc: dict[str, Any]) -> None:
    assert fired(doc, "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED") == {"m.v1.Status.STATUS_DELETED"}


def test_enum_value_same_name(doc: dict[str, Any]) -> None:
    assert fired(doc, "ENUM_VALUE_SAME_NAME") == {"m.v1.Status.STATUS_NEW_NAME"}
    c = change(doc, "ENUM_VALUE_SAME_NAME", "m.v1.Status.STATUS_NEW_NAME")
    assert c["line"] == line_of("proto/m.proto", "STATUS_NEW_NAME")


def test_reserved_enum_no_delete(doc: dict[str, Any]) -> None:
    got = [c["details"] for c in doc["changes"] if c["rule"] == "RESERVED_ENUM_NO_DELETE"]
    assert sorted(map(str, got)) == sorted(map(str, [{"range": "10"}, {"reserved_name": "STATUS_GONE"}]))


def test_service_no_delete(doc: dict[str, Any]) -> None:
    assert fired(doc, "SERVICE_NO_DELETE") == {"m.v1.DeletedService"}


def test_rpc_no_delete(doc: dict[str, Any]) -> None:
    assert fired(doc, "RPC_NO_DELETE") == {"m.v1.Api.Deleted"}


def test_rpc_same_request_type(doc: dict[str, Any]) -> None:
    assert fired(doc, "RPC_SAME_REQUEST_TYPE") == {"m.v1.Api.Request"}
    c = change(doc, "RPC_SAME_REQUEST_TYPE", "m.v1.Api.Request")
    assert c["message"] == (
        'RPC "Request" on service "Api" changed request type from "m.v1.Kept" to "m.v1.Fields".'
    )
    assert c["line"] == line_of("proto/m.proto", "rpc Request")


def test_rpc_same_response_type(doc: dict[str, Any]) -> None:
    assert fired(doc, "RPC_SAME_RESPONSE_TYPE") == {"m.v1.Api.Response"}


def test_rpc_same_client_streaming(doc: dict[str, Any]) -> None:
    assert fired(doc, "RPC_SAME_CLIENT_STREAMING") == {"m.v1.Api.ClientStream"}


def test_rpc_same_server_streaming(doc: dict[str, Any]) -> None:
    assert fired(doc, "RPC_SAME_SERVER_STREAMING") == {"m.v1.Api.ServerStream"}


def test_unchanged_file_yields_no_change(doc: dict[str, Any]) -> None:
    assert [c for c in doc["changes"] if c["file"] == "proto/kept.proto"] == []


def test_additions_list_new_fields_with_label_and_presence(doc: dict[str, Any]) -> None:
    fields = {a["name"]: a for a in doc["additions"] if a["kind"] == "field"}
    assert set(fields) == {"added_field", "added_optional"}
    added, optional = fields["added_field"], fields["added_optional"]
    assert (added["label"], added["proto3_optional"]) == ("implicit", False)
    assert (optional["label"], optional["proto3_optional"]) == ("optional", True)
    assert fields["added_field"]["required"] is False


def test_additions_list_new_messages_enums_values_and_rpcs(doc: dict[str, Any]) -> None:
    got = {(a["kind"], a["element"]) for a in doc["additions"] if a["kind"] != "field"}
    assert {
        ("message", "m.v1.NewMessage"),
        ("enum", "m.v1.NewEnum"),
        ("rpc", "m.v1.Api.Added"),
        ("enum_value", "m.v1.Color.COLOR_BLUE"),
        ("file", "proto/m2.proto"),
    } <= got
    assert ("message", "m.v1.Kept") not in got


# Categories as buf's documentation lists them (buf.build/docs/breaking/rules).
BUF_CATEGORIES = {
    "ENUM_NO_DELETE": ["FILE"],
    "ENUM_VALUE_NO_DELETE": ["FILE", "PACKAGE"],
    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED": ["WIRE_JSON"],
    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED": ["WIRE_JSON", "WIRE"],
    "ENUM_VALUE_SAME_NAME": ["FILE", "PACKAGE", "WIRE_JSON"],
    "FIELD_NO_DELETE": ["FILE", "PACKAGE"],
    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED": ["WIRE_JSON"],
    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED": ["WIRE_JSON", "WIRE"],
    "FIELD_SAME_CARDINALITY": ["FILE", "PACKAGE"],
    "FIELD_SAME_DEFAULT": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "FIELD_SAME_JSON_NAME": ["FILE", "PACKAGE", "WIRE_JSON"],
    "FIELD_SAME_JSTYPE": ["FILE", "PACKAGE"],
    "ENUM_SAME_TYPE": ["FILE", "PACKAGE"],
    "ONEOF_NO_DELETE": ["FILE", "PACKAGE"],
    "RPC_SAME_IDEMPOTENCY_LEVEL": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "FIELD_SAME_NAME": ["FILE", "PACKAGE", "WIRE_JSON"],
    "FIELD_SAME_ONEOF": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "FIELD_SAME_TYPE": ["FILE", "PACKAGE"],
    "FIELD_WIRE_COMPATIBLE_CARDINALITY": ["WIRE"],
    "FIELD_WIRE_COMPATIBLE_TYPE": ["WIRE"],
    "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY": ["WIRE_JSON"],
    "FIELD_WIRE_JSON_COMPATIBLE_TYPE": ["WIRE_JSON"],
    "FILE_NO_DELETE": ["FILE"],
    "FILE_SAME_GO_PACKAGE": ["FILE", "PACKAGE"],
    "FILE_SAME_PACKAGE": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "FILE_SAME_SYNTAX": ["FILE", "PACKAGE"],
    "MESSAGE_NO_DELETE": ["FILE"],
    "MESSAGE_SAME_REQUIRED_FIELDS": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "PACKAGE_MESSAGE_NO_DELETE": ["PACKAGE"],
    "PACKAGE_ENUM_NO_DELETE": ["PACKAGE"],
    "PACKAGE_SERVICE_NO_DELETE": ["PACKAGE"],
    "PACKAGE_NO_DELETE": ["PACKAGE"],
    "RESERVED_ENUM_NO_DELETE": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "RESERVED_MESSAGE_NO_DELETE": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "RPC_NO_DELETE": ["FILE", "PACKAGE"],
    "RPC_SAME_CLIENT_STREAMING": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "RPC_SAME_REQUEST_TYPE": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "RPC_SAME_RESPONSE_TYPE": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "RPC_SAME_SERVER_STREAMING": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"],
    "SERVICE_NO_DELETE": ["FILE"],
}


def test_every_change_carries_the_categories_buf_documents(doc: dict[str, Any]) -> None:
    assert {c["rule"] for c in doc["changes"]} <= set(BUF_CATEGORIES)
    for c in doc["changes"]:
        assert c["categories"] == BUF_CATEGORIES[c["rule"]], c["rule"]
