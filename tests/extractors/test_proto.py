"""The proto extractor: what it reads from compiled .proto files, its problems and its git handling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors import gitrepo
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.proto import extract
from sentinel.extractors.selection import select_files
from sentinel.inputs import dumps

SHOP = """\
syntax = "proto3";
package shop.v1;

import "google/protobuf/timestamp.proto";

option go_package = "example.com/shop/v1;shopv1";
option java_package = "com.example.shop.v1";

message Order {
  int32 id = 1;
  optional string note = 2 [deprecated = true];
  repeated string tags = 3;
  map<string, int64> counts = 4;
  oneof payment {
    string card = 5;
    string voucher = 6;
  }
  google.protobuf.Timestamp created = 7;
  string customer_id = 8 [json_name = "customer"];
  Status status = 9;
  reserved 20 to 25, 30;
  reserved "legacy";

  message Line {
    int64 sku = 1;
  }
}

enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_PAID = 1 [deprecated = true];
  reserved 5 to 9;
  reserved "STATUS_LOST";
}

service Orders {
  rpc Get(Order) returns (Order);
  rpc Watch(Order) returns (stream Order);
  rpc Upload(stream Order) returns (Order);
}
"""

LEGACY = """\
syntax = "proto2";
package legacy.v1;

message Item {
  required string id = 1;
  optional int32 count = 2 [default = 3];
  repeated int32 sizes = 3;
}
"""

EDITIONS = """\
edition = "2023";
package ed.v1;

message Thing {
  int32 explicit_by_default = 1;
  int32 implicit = 2 [features.field_presence = IMPLICIT];
  int32 must = 3 [features.field_presence = LEGACY_REQUIRED];
}
"""


def run(
    root: Path, base: str | None = None, options: dict[str, Any] | None = None, is_git: bool = True
) -> dict[str, Any]:
    ctx = ExtractContext(
        root=root, files=tuple(select_files(root)), base=base, is_git=is_git, options=options or {}
    )
    return extract(ctx)


def one_file(doc: dict[str, Any], rel: str) -> dict[str, Any]:
    matches = [f for f in doc["files"] if f["file"] == rel]
    assert len(matches) == 1
    return matches[0]


def fields_of(doc: dict[str, Any], rel: str, message: str) -> dict[str, dict[str, Any]]:
    msg = next(m for m in one_file(doc, rel)["messages"] if m["full_name"] == message)
    return {f["name"]: f for f in msg["fields"]}


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.fixture
def shop(git_repo: Any) -> Path:
    git_repo.write("proto/shop.proto", SHOP)
    git_repo.write("proto/legacy.proto", LEGACY)
    git_repo.write("proto/ed.proto", EDITIONS)
    git_repo.commit("protos")
    root: Path = git_repo.root
    return root


def test_file_records_package_syntax_options_and_imports(shop: Path) -> None:
    rec = one_file(run(shop), "proto/shop.proto")
    assert (rec["package"], rec["syntax"], rec["edition"]) == ("shop.v1", "proto3", None)
    assert rec["options"]["go_package"] == "example.com/shop/v1;shopv1"
    assert rec["options"]["java_package"] == "com.example.shop.v1"
    assert [(i["path"], i["line"]) for i in rec["imports"]] == [("google/protobuf/timestamp.proto", 4)]


def test_messages_have_full_names_including_nested_ones(shop: Path) -> None:
    rec = one_file(run(shop), "proto/shop.proto")
    got = {(m["full_name"], m["parent"], m["line"]) for m in rec["messages"]}
    assert got == {
        ("shop.v1.Order", None, line_of(SHOP, "message Order")),
        ("shop.v1.Order.Line", "shop.v1.Order", line_of(SHOP, "message Line")),
    }


def test_proto3_fields_distinguish_implicit_presence_from_optional(shop: Path) -> None:
    fields = fields_of(run(shop), "proto/shop.proto", "shop.v1.Order")
    assert (fields["id"]["label"], fields["id"]["proto3_optional"]) == ("implicit", False)
    assert (fields["note"]["label"], fields["note"]["proto3_optional"]) == ("optional", True)
    assert fields["created"]["label"] == "optional"
    assert fields["tags"]["label"] == "repeated"


def test_fields_carry_number_type_json_name_oneof_options_and_line(shop: Path) -> None:
    fields = fields_of(run(shop), "proto/shop.proto", "shop.v1.Order")
    card = fields["card"]
    assert (card["number"], card["type"], card["oneof"], card["line"]) == (
        5,
        "string",
        "payment",
        line_of(SHOP, "string card"),
    )
    assert fields["customer_id"]["json_name"] == "customer"
    assert fields["note"]["deprecated"] is True and fields["note"]["options"] == {"deprecated": True}
    assert (fields["status"]["type"], fields["status"]["type_kind"]) == ("shop.v1.Status", "enum")
    assert fields["created"]["type"] == "google.protobuf.Timestamp"
    assert fields["note"]["oneof"] is None


def test_map_fields_report_key_and_value_types(shop: Path) -> None:
    counts = fields_of(run(shop), "proto/shop.proto", "shop.v1.Order")["counts"]
    assert (counts["type"], counts["map_key"], counts["map_value"], counts["cardinality"]) == (
        "map<string, int64>",
        "string",
        "int64",
        "map",
    )


def test_map_entry_messages_are_not_listed(shop: Path) -> None:
    rec = one_file(run(shop), "proto/shop.proto")
    assert not any(m["name"].endswith("Entry") for m in rec["messages"])


def test_reserved_ranges_and_names_of_messages(shop: Path) -> None:
    order = next(m for m in one_file(run(shop), "proto/shop.proto")["messages"] if m["name"] == "Order")
    assert [(r["start"], r["end"]) for r in order["reserved_ranges"]] == [(20, 25), (30, 30)]
    assert [r["name"] for r in order["reserved_names"]] == ["legacy"]


def test_enums_have_values_with_numbers_lines_and_reserved(shop: Path) -> None:
    status = one_file(run(shop), "proto/shop.proto")["enums"][0]
    assert status["full_name"] == "shop.v1.Status"
    assert [(v["name"], v["number"], v["line"]) for v in status["values"]] == [
        ("STATUS_UNSPECIFIED", 0, line_of(SHOP, "STATUS_UNSPECIFIED")),
        ("STATUS_PAID", 1, line_of(SHOP, "STATUS_PAID")),
    ]
    assert status["values"][1]["deprecated"] is True
    assert [(r["start"], r["end"]) for r in status["reserved_ranges"]] == [(5, 9)]
    assert [r["name"] for r in status["reserved_names"]] == ["STATUS_LOST"]


def test_services_list_rpcs_with_types_and_streaming(shop: Path) -> None:
    svc = one_file(run(shop), "proto/shop.proto")["services"][0]
    got = {
        r["name"]: (
            r["input_type"],
            r["output_type"],
            r["client_streaming"],
            r["server_streaming"],
            r["line"],
        )
        for r in svc["rpcs"]
    }
    assert got == {
        "Get": ("shop.v1.Order", "shop.v1.Order", False, False, line_of(SHOP, "rpc Get")),
        "Watch": ("shop.v1.Order", "shop.v1.Order", False, True, line_of(SHOP, "rpc Watch")),
        "Upload": ("shop.v1.Order", "shop.v1.Order", True, False, line_of(SHOP, "rpc Upload")),
    }


def test_proto2_required_fields_and_defaults(shop: Path) -> None:
    fields = fields_of(run(shop), "proto/legacy.proto", "legacy.v1.Item")
    assert fields["id"]["label"] == "required"
    assert (fields["count"]["label"], fields["count"]["default"]) == ("optional", "3")
    assert fields["sizes"]["label"] == "repeated"


def test_editions_presence_comes_from_features(shop: Path) -> None:
    doc = run(shop)
    assert one_file(doc, "proto/ed.proto")["edition"] == "2023"
    fields = fields_of(doc, "proto/ed.proto", "ed.v1.Thing")
    assert {n: f["label"] for n, f in fields.items()} == {
        "explicit_by_default": "optional",
        "implicit": "implicit",
        "must": "required",
    }


def test_broken_proto_gives_a_problem_with_its_line(git_repo: Any) -> None:
    git_repo.write("a.proto", 'syntax = "proto3";\npackage a;\nmessage A {\n  int32 x = 1\n}\n')
    git_repo.write("b.proto", 'syntax = "proto3";\npackage b;\nmessage B { int32 y = 1; }\n')
    doc = run(git_repo.root)
    assert [(p["file"], p["line"], p["code"]) for p in doc["problems"]] == [("a.proto", 5, "compile_error")]
    assert "Expected" in doc["problems"][0]["message"]
    assert [f["file"] for f in doc["files"]] == ["b.proto"]


def test_file_importing_a_broken_file_is_a_problem_too(git_repo: Any) -> None:
    git_repo.write("a.proto", 'syntax = "proto3";\npackage a;\nmessage A { int32 x = }\n')
    git_repo.write("c.proto", 'syntax = "proto3";\npackage c;\nimport "a.proto";\nmessage C { a.A a = 1; }\n')
    git_repo.write("ok.proto", 'syntax = "proto3";\npackage ok;\nmessage Ok {}\n')
    doc = run(git_repo.root)
    assert {p["file"] for p in doc["problems"]} == {"a.proto", "c.proto"}
    assert [f["file"] for f in doc["files"]] == ["ok.proto"]


def test_include_paths_resolve_imports_relative_to_a_folder(git_repo: Any) -> None:
    git_repo.write(
        "api/common/v1/id.proto", 'syntax = "proto3";\npackage common.v1;\nmessage Id { string v = 1; }\n'
    )
    git_repo.write(
        "api/user/v1/user.proto",
        'syntax = "proto3";\npackage user.v1;\n'
        'import "common/v1/id.proto";\nmessage User { common.v1.Id id = 1; }\n',
    )
    doc = run(git_repo.root, options={"include_paths": ["api"]})
    assert doc["problems"] == []
    user = one_file(doc, "api/user/v1/user.proto")
    assert user["name"] == "user/v1/user.proto"
    assert user["messages"][0]["fields"][0]["type"] == "common.v1.Id"


def test_file_outside_the_include_paths_is_a_problem(git_repo: Any) -> None:
    git_repo.write("api/a.proto", 'syntax = "proto3";\npackage a;\n')
    git_repo.write("other/b.proto", 'syntax = "proto3";\npackage b;\n')
    doc = run(git_repo.root, options={"include_paths": ["api"]})
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("other/b.proto", "outside_include_paths")]


def test_option_of_the_wrong_type_is_a_usage_error(git_repo: Any) -> None:
    with pytest.raises(ExtractorUsageError, match="include_paths"):
        run(git_repo.root, options={"include_paths": "api"})


def test_without_base_there_are_no_changes(shop: Path) -> None:
    doc = run(shop)
    assert (doc["base"], doc["compared"], doc["changes"], doc["additions"]) == (None, False, [], [])


def test_base_that_does_not_exist_raises_git_error(shop: Path) -> None:
    with pytest.raises(gitrepo.GitError):
        run(shop, base="no-such-revision")


def test_not_a_git_repository_still_extracts_without_base(tmp_path: Path) -> None:
    (tmp_path / "x.proto").write_text('syntax = "proto3";\npackage x;\nmessage X {}\n')
    doc = run(tmp_path, is_git=False)
    assert [f["file"] for f in doc["files"]] == ["x.proto"]


def test_not_a_git_repository_with_base_raises_git_error(tmp_path: Path) -> None:
    (tmp_path / "x.proto").write_text('syntax = "proto3";\npackage x;\nmessage X {}\n')
    with pytest.raises(gitrepo.GitError):
        run(tmp_path, base="main", is_git=False)


def test_base_version_comes_from_git_not_the_working_tree(git_repo: Any) -> None:
    git_repo.write("a.proto", 'syntax = "proto3";\npackage a;\nmessage A { int32 x = 1; }\n')
    base = git_repo.commit("base")
    git_repo.write("a.proto", 'syntax = "proto3";\npackage a;\nmessage A { }\n')  # uncommitted edit
    doc = run(git_repo.root, base=base)
    assert doc["base"] == base
    assert "FIELD_NO_DELETE" in {c["rule"] for c in doc["changes"]}
    assert git_repo.repo.is_dirty()  # the working tree was left as it was


def test_base_file_that_did_not_compile_is_a_base_problem(git_repo: Any) -> None:
    git_repo.write("a.proto", 'syntax = "proto3";\npackage a;\nmessage A { int32 x = }\n')
    base = git_repo.commit("broken base")
    git_repo.write("a.proto", 'syntax = "proto3";\npackage a;\nmessage A { int32 x = 1; }\n')
    git_repo.commit("fixed")
    doc = run(git_repo.root, base=base)
    assert [(p["file"], p["line"], p["code"]) for p in doc["problems"]] == [
        ("a.proto", 3, "base_compile_error")
    ]


def test_ignored_files_are_not_compared(git_repo: Any) -> None:
    git_repo.write("vendor/v.proto", 'syntax = "proto3";\npackage v;\nmessage V {}\n')
    git_repo.write("a.proto", 'syntax = "proto3";\npackage a;\nmessage A {}\n')
    base = git_repo.commit("base")
    git_repo.remove("vendor/v.proto")
    git_repo.commit("drop vendor")
    assert run(git_repo.root, base=base, options={"ignore": ["vendor/**"]})["changes"] == []
    assert "FILE_NO_DELETE" in {c["rule"] for c in run(git_repo.root, base=base)["changes"]}


def test_document_with_changes_validates_against_the_schema(
    git_repo: Any, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    git_repo.write("proto/shop.proto", SHOP)
    base = git_repo.commit("base")
    git_repo.write("proto/shop.proto", SHOP.replace("  int32 id = 1;\n", "  reserved 1;\n"))
    git_repo.write("proto/legacy.proto", LEGACY)
    git_repo.write("proto/ed.proto", EDITIONS)
    git_repo.write("proto/bad.proto", 'syntax = "proto3";\nmessage {\n')
    git_repo.commit("head")
    doc = run(git_repo.root, base=base)
    assert doc["changes"] and doc["additions"] and doc["problems"]
    validate_document(doc)


def test_output_is_byte_identical_across_runs(shop: Path) -> None:
    assert dumps(run(shop)) == dumps(run(shop))
