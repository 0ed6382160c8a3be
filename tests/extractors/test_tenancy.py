"""The tenancy extractor: key / subject / topic construction sites and their tenant ids."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.selection import select_files
from sentinel.extractors.tenancy import SourceLines, build_config, extract
from sentinel.inputs import dumps
from testsupport.files import write


def run(root: Path, **options: Any) -> dict[str, Any]:
    return extract(ExtractContext(root=root, files=tuple(select_files(root)), options=options, jobs=1))


def site_at(doc: dict[str, Any], file: str, line: int) -> dict[str, Any]:
    matches = [s for s in doc["sites"] if s["file"] == file and s["line"] == line]
    assert len(matches) == 1, doc["sites"]
    return matches[0]


PY_SERVICE = """\
import redis

r = redis.Redis()


class Repo:
    def load(self, tenant_id, user_id):
        key = f"t:{tenant_id}:user:{user_id}"
        return self.redis.get(key)

    def legacy(self, user_id):
        return r.get("user:%s" % user_id)

    def every_user(self):
        return r.keys("user:*")


async def publish(nc, org, order):
    await nc.publish("orders.{}.created".format(org.org_id), order)
    await nc.subscribe("orders.>")
    producer.send(topic="orders." + order.kind, value=b"")
    session.get("https://example.com")
"""


@pytest.fixture
def py_doc(tmp_path: Path) -> dict[str, Any]:
    write(tmp_path, "svc/repo.py", PY_SERVICE)
    return run(tmp_path)


def test_python_fstring_key_through_a_local_variable_has_the_tenant(py_doc: dict[str, Any]) -> None:
    site = site_at(py_doc, "svc/repo.py", 9)
    assert site["call"] == "self.redis.get"
    assert site["sink"] == "redis" and site["sink_kind"] == "cache_key"
    assert site["key"] == 'f"t:{tenant_id}:user:{user_id}"'
    assert site["via_variable"] == {"name": "key", "line": 8}
    assert (site["construction"], site["dynamic"], site["has_tenant"]) == ("fstring", True, True)
    assert site["identifiers"] == ["tenant_id", "user_id"]


def test_python_percent_key_without_tenant_is_flagged_as_such(py_doc: dict[str, Any]) -> None:
    site = site_at(py_doc, "svc/repo.py", 12)
    assert (site["construction"], site["has_tenant"], site["identifiers"]) == ("percent", False, ["user_id"])


def test_glob_and_nats_full_wildcard_are_wildcards(py_doc: dict[str, Any]) -> None:
    assert site_at(py_doc, "svc/repo.py", 15)["wildcard"] is True
    subscribe = site_at(py_doc, "svc/repo.py", 20)
    assert (subscribe["sink"], subscribe["wildcard"], subscribe["dynamic"]) == ("nats", True, False)
    assert site_at(py_doc, "svc/repo.py", 12)["wildcard"] is False


def test_format_call_attribute_counts_as_tenant(py_doc: dict[str, Any]) -> None:
    site = site_at(py_doc, "svc/repo.py", 19)
    assert (site["construction"], site["identifiers"], site["has_tenant"]) == ("format", ["org.org_id"], True)


def test_kafka_topic_from_keyword_argument(py_doc: dict[str, Any]) -> None:
    site = site_at(py_doc, "svc/repo.py", 21)
    assert (site["sink"], site["sink_kind"], site["construction"]) == ("kafka", "topic", "concat")


def test_calls_on_other_receivers_are_not_sites(py_doc: dict[str, Any]) -> None:
    assert not any(s["line"] == 22 for s in py_doc["sites"])
    assert py_doc["totals"]["sites"] == 6


def test_receivers_option_changes_what_counts_as_a_cache(tmp_path: Path) -> None:
    write(tmp_path, "a.py", 'store.get("k")\nr.get("k")\n')
    doc = run(tmp_path, receivers=["store"])
    assert [(s["line"], s["call"]) for s in doc["sites"]] == [(1, "store.get")]


def test_tenant_identifiers_option_and_case_insensitive_matching(tmp_path: Path) -> None:
    write(tmp_path, "a.py", 'r.get(f"k:{ctx.customerId}")\n')
    assert run(tmp_path)["sites"][0]["has_tenant"] is False
    assert run(tmp_path, tenant_identifiers=["customer_id"])["sites"][0]["has_tenant"] is True


def test_go_sprintf_with_tenant_field_and_kafka_struct_literal(tmp_path: Path) -> None:
    write(
        tmp_path,
        "svc/main.go",
        """package main

import "fmt"

func f() {
	rdb.Get(ctx, fmt.Sprintf("t:%s:%s", req.TenantID, id))
	nc.Publish("orders."+kind, data)
	w.WriteMessages(ctx, kafka.Message{Topic: "orders", Value: v})
}
""",
    )
    doc = run(tmp_path)
    get = site_at(doc, "svc/main.go", 6)
    assert (get["construction"], get["has_tenant"], get["identifiers"]) == (
        "format",
        True,
        ["id", "req.TenantID"],
    )
    assert site_at(doc, "svc/main.go", 7)["construction"] == "concat"
    topic = site_at(doc, "svc/main.go", 8)
    assert (topic["sink_kind"], topic["key"], topic["dynamic"]) == ("topic", '"orders"', False)


def test_rust_format_macro_inline_names_are_identifiers(tmp_path: Path) -> None:
    write(
        tmp_path,
        "src/lib.rs",
        """fn f() {
    let v: String = con.get(format!("t:{tenant_id}:{}", x)).unwrap();
    let rec = FutureRecord::to(&topic);
    client.publish("events.>".into(), payload);
}
""",
    )
    doc = run(tmp_path)
    get = site_at(doc, "src/lib.rs", 2)
    assert (get["construction"], get["identifiers"], get["has_tenant"]) == (
        "format",
        ["tenant_id", "x"],
        True,
    )
    assert site_at(doc, "src/lib.rs", 3)["call"] == "FutureRecord.to"
    publish = site_at(doc, "src/lib.rs", 4)
    assert (publish["wildcard"], publish["dynamic"]) == (True, False)


def test_elixir_interpolation_and_piped_calls(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lib/pub.ex",
        """defmodule Pub do
  def f(conn, tenant_id, id) do
    Gnat.pub(conn, "t.#{tenant_id}.created", msg)
    Redix.command(conn, ["GET", "k:" <> id])
    conn |> Gnat.sub(self(), "orders.*")
  end
end
""",
    )
    doc = run(tmp_path)
    assert site_at(doc, "lib/pub.ex", 3)["construction"] == "interpolation"
    assert site_at(doc, "lib/pub.ex", 3)["has_tenant"] is True
    assert site_at(doc, "lib/pub.ex", 4)["identifiers"] == ["id"]
    sub = site_at(doc, "lib/pub.ex", 5)
    assert (sub["sink"], sub["key"], sub["wildcard"]) == ("gnat-sub", '"orders.*"', True)


def test_typescript_template_literal_and_object_keyword(tmp_path: Path) -> None:
    write(
        tmp_path,
        "web/cache.ts",
        'await redis.get(`t:${tenantId}:x`);\nawait producer.send({topic: "orders." + org, messages});\n',
    )
    doc = run(tmp_path)
    get = site_at(doc, "web/cache.ts", 1)
    assert (get["construction"], get["has_tenant"]) == ("template", True)
    assert site_at(doc, "web/cache.ts", 2)["key"] == '"orders." + org'


def test_regex_sink_from_options(tmp_path: Path) -> None:
    write(tmp_path, "svc/cache.py", 'memo.put_key("sessions:" + sid)\n')
    sinks = {"python": [{"name": "memo", "kind": "cache_key", "regex": r"put_key\((?P<key>[^)]*)\)"}]}
    site = run(tmp_path, sinks=sinks)["sites"][0]
    assert (site["sink"], site["key"], site["identifiers"], site["dynamic"]) == (
        "memo",
        '"sessions:" + sid',
        ["sid"],
        True,
    )


def test_long_keys_are_cut_to_200_characters(tmp_path: Path) -> None:
    write(tmp_path, "a.py", 'r.get("' + "x" * 300 + '")\n')
    key = run(tmp_path)["sites"][0]["key"]
    assert len(key) == 200 and key.endswith("...")


def test_bad_files_become_problems(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "def f(:\n    r.get('k')\n")
    write(tmp_path, "latin.py", "r.get('caf\xe9')\n".encode("latin-1"))
    write(tmp_path, "blob.go", b"package x\x00")
    problems = {(p["file"], p["code"], p["line"]) for p in run(tmp_path)["problems"]}
    assert problems == {("broken.py", "syntax", 1), ("latin.py", "encoding", 1), ("blob.go", "binary", None)}


def test_invalid_sink_option_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractorError, match=r"sinks\.python"):
        run(tmp_path, sinks={"python": [{"name": "x", "kind": "cache_key"}]})


def test_output_is_deterministic_and_matches_schema(
    tmp_path: Path, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    write(tmp_path, "svc/repo.py", PY_SERVICE)
    write(tmp_path, "broken.py", "def f(:\n")
    first = run(tmp_path)
    assert dumps(run(tmp_path)) == dumps(first)
    validate_document(first)


def test_key_nested_too_deeply_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path, "svc/deep.ts", "redis.get(" + " + ".join(["'k'"] * 3000) + ");\n")
    doc = run(tmp_path)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("svc/deep.ts", "too_deep")]


PY_INFERRED = """\
import nats
import redis


class Sessions:
    def __init__(self, url: str) -> None:
        self.redis_client = redis.Redis.from_url(url)
        self.local: dict[str, bytes] = {}
        self.cache = {}

    def save(self, tenant_id, sid, value):
        self.redis_client.set(f"tenant:{tenant_id}:session:{sid}", value)
        self.redis_client.set("sessions:" + sid, value)
        self.local.get(sid)
        return self.cache.get(sid)

    def put(self, key, value):
        self.redis_client.set(key, value)


async def notify(url, t, order_id):
    bus = await nats.connect(url)
    js = bus.jetstream()
    await js.publish(f"tenants.{t}.orders.{order_id}", b"")
"""


def test_python_receiver_built_by_a_redis_constructor_is_a_redis_site(tmp_path: Path) -> None:
    write(tmp_path, "svc/sessions.py", PY_INFERRED)
    doc = run(tmp_path)
    scoped = site_at(doc, "svc/sessions.py", 12)
    assert (scoped["sink"], scoped["receiver_type"], scoped["tenant"]) == ("redis", "redis", "present")
    unscoped = site_at(doc, "svc/sessions.py", 13)
    assert (unscoped["has_tenant"], unscoped["tenant"]) == (False, "absent")


def test_python_dict_named_cache_is_not_a_redis_site(tmp_path: Path) -> None:
    write(tmp_path, "svc/sessions.py", PY_INFERRED)
    lines = {s["line"] for s in run(tmp_path)["sites"]}
    assert not lines & {14, 15}


def test_python_key_that_is_only_a_parameter_is_unknown(tmp_path: Path) -> None:
    write(tmp_path, "svc/sessions.py", PY_INFERRED)
    site = site_at(run(tmp_path), "svc/sessions.py", 18)
    assert (site["tenant"], site["key_parameter"], site["has_tenant"]) == ("unknown", "key", False)


def test_python_nats_client_from_connect_and_literal_tenant_segment(tmp_path: Path) -> None:
    write(tmp_path, "svc/sessions.py", PY_INFERRED)
    site = site_at(run(tmp_path), "svc/sessions.py", 24)
    assert (site["sink"], site["receiver_type"]) == ("nats", "nats")
    assert (site["has_tenant"], site["tenant_from"]) == (True, "segment")


RUST_INFERRED = """\
use std::collections::HashMap;

struct Store {
    cache: HashMap<String, String>,
    con: redis::Connection,
}

impl Store {
    fn lookup(&self, key: &str) -> Option<&String> {
        self.cache.get(key)
    }

    fn put(&mut self, key: &str, value: &str) {
        let _: () = self.con.set(key, value).unwrap();
    }
}

async fn relay(client: async_nats::Client, tenant_id: &str, payload: Bytes) {
    let subject = inbound_subject_for_tenant(&tenant_id);
    client.publish(subject, payload).await.unwrap();
    let plain = format!("events.{}", payload.len());
    client.publish(plain.clone(), payload).await.unwrap();
}

async fn warm(url: &str, id: &str) -> redis::RedisResult<()> {
    let mut cache = HashMap::new();
    cache.get(id);
    let redis_client = redis::Client::open(url)?;
    let mut store = redis_client.get_multiplexed_async_connection().await?;
    store.set(format!("tenant.{}.warm", id), 1).await
}
"""


def test_rust_hashmap_named_cache_is_not_a_redis_site(tmp_path: Path) -> None:
    write(tmp_path, "src/store.rs", RUST_INFERRED)
    lines = {s["line"] for s in run(tmp_path)["sites"]}
    assert not lines & {10, 27}


def test_rust_subject_bound_by_let_is_followed_to_its_tenant_argument(tmp_path: Path) -> None:
    write(tmp_path, "src/store.rs", RUST_INFERRED)
    doc = run(tmp_path)
    scoped = site_at(doc, "src/store.rs", 20)
    assert scoped["has_tenant"] and scoped["via_variable"] == {"name": "subject", "line": 19}
    plain = site_at(doc, "src/store.rs", 22)
    assert (plain["has_tenant"], plain["construction"], plain["via_variable"]) == (
        False,
        "format",
        {"name": "plain", "line": 21},
    )


def test_rust_wrapper_whose_key_is_a_parameter_is_unknown(tmp_path: Path) -> None:
    write(tmp_path, "src/store.rs", RUST_INFERRED)
    site = site_at(run(tmp_path), "src/store.rs", 14)
    assert (site["tenant"], site["key_parameter"]) == ("unknown", "key")


def test_rust_connection_from_a_redis_client_and_literal_tenant_segment(tmp_path: Path) -> None:
    write(tmp_path, "src/store.rs", RUST_INFERRED)
    site = site_at(run(tmp_path), "src/store.rs", 30)
    assert (site["receiver_type"], site["tenant"], site["tenant_from"]) == ("redis", "present", "segment")


@pytest.mark.parametrize(("text", "passes"), [
    ('r.get("k")\n', True),
    ('r \n  .get("k")\n', True),
    ('r :: get("k")\n', True),
    ('user.get("k")\n', False),
    ('r.gets("k")\n', False),
    ('x = mr.get("k")\n', False),
    ('cache.delete("k")  # no client named anywhere\n', True),
    ('"""redis"""\n', True),
    ("import json\n", False),
])
def test_python_prefilter_lets_through_exactly_the_files_with_a_receiver_call_or_a_family(
    text: str, passes: bool
) -> None:
    cfg = build_config(ExtractContext(root=Path("."), files=()))
    gate = cfg.prefilters["python"]
    assert gate is not None
    assert gate.search(text) is passes


def test_python_call_split_over_lines_behind_another_get_is_still_a_site(tmp_path: Path) -> None:
    write(tmp_path, "svc.py", (
        "def load(d, r, user_id):\n"
        "    d.get(user_id)\n"
        "    return (r\n"
        '        .get(f"user:{user_id}"))\n'
    ))
    doc = run(tmp_path)
    assert [(s["file"], s["line"], s["has_tenant"]) for s in doc["sites"]] == [("svc.py", 3, False)]


SEGMENT_SOURCES = [
    "a = 1\r\nb = (2,\r 3)\n\fc = f'x{y}'\n\nd = '''é\nü'''  ;e=[1,\n 2]",
    'key = "ü" + f"{tenant}:{x}"\nr.get(key)\n',
    "x = (1 +\r\n     2)\r\n",
]


@pytest.mark.parametrize("source", SEGMENT_SOURCES)
def test_source_lines_give_what_ast_get_source_segment_gives(source: str) -> None:
    """Keys are quoted through SourceLines (lines split once per file), not the standard
    function that splits the whole file for every key; the text must not change."""
    lines = SourceLines(source)
    nodes = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.expr | ast.stmt)]
    assert nodes
    for node in nodes:
        assert lines.segment(node) == ast.get_source_segment(source, node)
    assert lines.segment(ast.parse(source)) is None  # a module has no position


def test_many_keys_in_one_module_are_quoted_from_the_source(tmp_path: Path) -> None:
    body = "".join(f'    cache.get(f"item:{{tenant_id}}:{i}")\n' for i in range(300))
    write(tmp_path, "many.py", "import redis\ncache = redis.Redis()\n\n\ndef f(tenant_id):\n" + body)
    doc = run(tmp_path)
    assert len(doc["sites"]) == 300
    assert doc["sites"][299]["key"] == 'f"item:{tenant_id}:299"'
    assert all(s["has_tenant"] for s in doc["sites"])
