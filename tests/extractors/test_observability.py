"""The observability extractor: HTTP handlers, the metric/log/trace calls in them, unstructured logs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.observability import (
    Definition,
    FileFacts,
    Registration,
    build_config,
    extract,
    from_record,
    to_record,
    visit,
)
from sentinel.extractors.selection import select_files
from sentinel.extractors.sourcepass import SourceFile
from sentinel.inputs import dumps
from testsupport.files import write


def run(root: Path, **options: Any) -> dict[str, Any]:
    return extract(ExtractContext(root=root, files=tuple(select_files(root)), options=options, jobs=1))


def handler(doc: dict[str, Any], name: str, method: str | None = None) -> dict[str, Any]:
    found = [h for h in doc["handlers"] if h["name"] == name and (method is None or h["method"] == method)]
    assert len(found) == 1, doc["handlers"]
    return found[0]


FASTAPI_APP = """\
import logging

from fastapi import FastAPI
from prometheus_client import Counter

app = FastAPI()
logger = logging.getLogger(__name__)
REQUESTS = Counter("requests", "count")


@app.get("/users/{uid}")
async def get_user(uid: int):
    REQUESTS.labels(route="/users").inc()
    logger.info("user fetched", extra={"uid": uid})
    with tracer.start_as_current_span("get_user"):
        return {"uid": uid}


@app.get("/healthz")
def health():
    return "ok"


@app.post("/orders")
def create_order():
    catalog.info("not a log call")
    return {}
"""


def test_fastapi_handler_with_metric_log_and_trace_calls(tmp_path: Path) -> None:
    write(tmp_path, "svc/api.py", FASTAPI_APP)
    h = handler(run(tmp_path), "get_user")
    assert (h["file"], h["line"], h["route"], h["method"], h["framework"]) == (
        "svc/api.py",
        12,
        "/users/{uid}",
        "GET",
        "fastapi",
    )
    assert (h["emits_metric"], h["emits_log"], h["emits_trace"], h["public"]) == (True, True, True, True)
    assert h["metric_calls"] == [{"call": "REQUESTS.labels(...).inc(", "line": 13}]
    assert h["log_calls"] == [{"call": "logger.info(", "line": 14}]
    assert h["trace_calls"] == [{"call": "tracer.start_as_current_span(", "line": 15}]


def test_handler_without_signals_reports_false(tmp_path: Path) -> None:
    write(tmp_path, "svc/api.py", FASTAPI_APP)
    h = handler(run(tmp_path), "create_order")
    assert (h["emits_metric"], h["emits_log"], h["emits_trace"]) == (False, False, False)


def test_health_route_is_internal_and_internal_routes_are_configurable(tmp_path: Path) -> None:
    write(tmp_path, "svc/api.py", FASTAPI_APP)
    assert handler(run(tmp_path), "health")["public"] is False
    doc = run(tmp_path, internal_routes=["/users/*"])
    assert handler(doc, "health")["public"] is True
    assert handler(doc, "get_user")["public"] is False


def test_opa_style_health_probe_is_internal_by_default(tmp_path: Path) -> None:
    write(tmp_path, "svc/api.py", FASTAPI_APP.replace('@app.get("/healthz")', '@app.get("/health")'))
    assert handler(run(tmp_path), "health")["public"] is False


def test_flask_route_with_methods_gives_one_handler_per_method(tmp_path: Path) -> None:
    write(
        tmp_path,
        "web/app.py",
        "from flask import Flask\napp = Flask(__name__)\n\n\n"
        '@app.route("/items", methods=["POST", "PUT"])\ndef items():\n'
        '    log.info("items")\n',
    )
    doc = run(tmp_path)
    assert [(h["method"], h["framework"], h["emits_log"]) for h in doc["handlers"]] == [
        ("POST", "flask", True),
        ("PUT", "flask", True),
    ]


def test_django_urlconf_views_are_resolved_to_their_definitions(tmp_path: Path) -> None:
    write(
        tmp_path,
        "shop/views.py",
        "def detail(request, pk):\n    statsd.incr('detail')\n\n\n"
        "class ListView:\n    def get(self, request):\n        logger.info('list')\n",
    )
    write(
        tmp_path,
        "shop/urls.py",
        "from django.urls import path\nfrom . import views\n\nurlpatterns = [\n"
        '    path("items/<int:pk>/", views.detail),\n'
        '    path("internal/items/", views.ListView.as_view()),\n]\n',
    )
    doc = run(tmp_path)
    detail = handler(doc, "detail")
    assert (detail["file"], detail["line"], detail["route"], detail["emits_metric"]) == (
        "shop/views.py",
        1,
        "/items/<int:pk>/",
        True,
    )
    assert detail["registered_at"] == {"file": "shop/urls.py", "line": 5}
    listing = handler(doc, "ListView")
    assert (listing["emits_log"], listing["public"], listing["resolved"]) == (True, False, True)


def test_rust_axum_routes_and_actix_attributes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "src/main.rs",
        """use axum::{routing::get, Router};

#[instrument]
async fn list() -> String {
    tracing::info!("listing");
    counter!("lists").increment(1);
    String::new()
}

async fn create() {}

#[get("/x")]
async fn actix_x() {}

fn app() -> Router {
    Router::new().route("/items", get(list).post(create))
}
""",
    )
    doc = run(tmp_path)
    listing = handler(doc, "list")
    assert (listing["route"], listing["method"], listing["framework"], listing["line"]) == (
        "/items",
        "GET",
        "axum",
        4,
    )
    assert (listing["emits_metric"], listing["emits_log"], listing["emits_trace"]) == (True, True, True)
    assert listing["registered_at"] == {"file": "src/main.rs", "line": 16}
    assert handler(doc, "create")["method"] == "POST"
    actix = handler(doc, "actix_x")
    assert (actix["route"], actix["method"], actix["framework"]) == ("/x", "GET", "actix")


def test_go_handlers_by_name_and_inline(tmp_path: Path) -> None:
    write(
        tmp_path,
        "cmd/main.go",
        """package main

func main() {
	http.HandleFunc("GET /orders", s.ListOrders)
	r.Post("/orders", func(w http.ResponseWriter, r *http.Request) { slog.Info("created") })
}

func (s *Server) ListOrders(w http.ResponseWriter, r *http.Request) {
	ordersTotal.Inc()
}
""",
    )
    doc = run(tmp_path)
    listing = handler(doc, "Server.ListOrders")
    assert (listing["route"], listing["method"], listing["line"], listing["emits_metric"]) == (
        "/orders",
        "GET",
        8,
        True,
    )
    inline = handler(doc, "<anonymous>")
    assert (inline["method"], inline["emits_log"], inline["line"]) == ("POST", True, 5)


def test_phoenix_controller_actions_with_router_scope(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lib/app_web/router.ex",
        """defmodule AppWeb.Router do
  use AppWeb, :router

  scope "/api", AppWeb do
    get "/users", UserController, :index
  end
end
""",
    )
    write(
        tmp_path,
        "lib/app_web/controllers/user_controller.ex",
        """defmodule AppWeb.UserController do
  use AppWeb, :controller
  require Logger

  def index(conn, _params) do
    Logger.info("listing users")
    :telemetry.execute([:app, :users], %{count: 1})
    json(conn, [])
  end

  def show(conn, %{"id" => id}) do
    json(conn, id)
  end

  defp helper(conn), do: conn
end
""",
    )
    doc = run(tmp_path)
    index = handler(doc, "AppWeb.UserController.index")
    assert (index["route"], index["method"], index["emits_log"], index["emits_metric"]) == (
        "/api/users",
        "GET",
        True,
        True,
    )
    show = handler(doc, "AppWeb.UserController.show")
    assert (show["route"], show["registered_at"], show["public"]) == (None, None, True)
    assert not any(h["name"].endswith("helper") for h in doc["handlers"])


def test_unstructured_logs_in_service_code(tmp_path: Path) -> None:
    write(
        tmp_path,
        "svc/work.py",
        "import logging\nlogger = logging.getLogger(__name__)\n\n\ndef run(n):\n"
        '    print("starting")\n    logger.info(f"run {n}")\n'
        '    logger.error("failed %s" % n)\n    logger.warning("bad " + str(n))\n'
        '    logger.info("lazy %s", n)\n    logger.log(20, "n={}".format(n))\n',
    )
    write(tmp_path, "tests/test_work.py", 'def test_x():\n    print(f"debug {1}")\n')
    found = [(u["line"], u["call"], u["reason"]) for u in run(tmp_path)["unstructured_logs"]]
    assert found == [
        (6, "print", "print"),
        (7, "logger.info", "fstring"),
        (8, "logger.error", "percent"),
        (9, "logger.warning", "concat"),
        (11, "logger.log", "format"),
    ]
    assert run(tmp_path, unstructured_logs=False)["unstructured_logs"] == []


def test_custom_patterns_replace_the_defaults(tmp_path: Path) -> None:
    write(tmp_path, "svc/api.py", FASTAPI_APP)
    doc = run(tmp_path, metric_calls=["catalog.info"], log_calls=["nothing.here"])
    h = handler(doc, "create_order")
    assert (h["emits_metric"], h["emits_log"]) == (True, False)


def test_bad_files_become_problems(tmp_path: Path) -> None:
    write(tmp_path, "svc/broken.py", "@app.get('/x')\ndef f(:\n")
    write(tmp_path, "svc/latin.py", "x = 'caf\xe9'\n".encode("latin-1"))
    problems = {(p["file"], p["code"], p["line"]) for p in run(tmp_path)["problems"]}
    assert problems == {("svc/broken.py", "syntax", 2), ("svc/latin.py", "encoding", 1)}


def test_unknown_handler_pattern_key_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractorError, match="handler_patterns"):
        run(tmp_path, handler_patterns={"java": ["GetMapping"]})


def test_output_is_deterministic_and_matches_schema(
    tmp_path: Path, validate_document: Callable[[dict[str, Any]], None]
) -> None:
    write(tmp_path, "svc/api.py", FASTAPI_APP)
    write(tmp_path, "svc/work.py", 'print("x")\n')
    write(tmp_path, "svc/broken.py", "def f(:\n")
    first = run(tmp_path)
    assert dumps(run(tmp_path)) == dumps(first)
    validate_document(first)


def test_unstructured_logs_inside_blocks_and_spanning_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        "svc/jobs.py",
        "class Job:\n"
        "    def run(self, n):\n"
        "        for i in range(n):\n"
        "            if i:\n"
        "                self.logger.warning(\n"
        '                    f"step {i}"\n'
        "                )\n"
        '        with open("x") as fh: print(fh)\n'
        "        try:\n"
        "            pass\n"
        "        except ValueError:\n"
        '            LOG.error("bad %d" % n)\n',
    )
    found = [(u["line"], u["call"], u["reason"]) for u in run(tmp_path)["unstructured_logs"]]
    assert found == [
        (5, "self.logger.warning", "fstring"),
        (8, "print", "print"),
        (12, "LOG.error", "percent"),
    ]


def test_pathologically_nested_python_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path, "svc/deep.py", "x = " + "-" * 100_000 + "1\n")
    problems = run(tmp_path)["problems"]
    assert [(p["file"], p["code"]) for p in problems] == [("svc/deep.py", "syntax")]


AIOHTTP_APP = """\
import logging

from aiohttp import web

from svc import views

log = logging.getLogger(__name__)


async def health(request):
    return web.Response(text="ok")


async def create_order(request):
    log.info("order created")
    return web.json_response({})


class Api:
    async def list_orders(self, request):
        return web.json_response([])

    def install(self, app):
        app.router.add_get("/orders", self.list_orders)
        app.router.add_route("POST", "/orders", create_order)


def make_app():
    app = web.Application()
    app.router.add_get("/healthz", health)
    app.add_routes([web.get("/users/{id}", views.show_user), web.view("/admin", views.Admin)])
    return app
"""

AIOHTTP_VIEWS = """\
from aiohttp import web
from prometheus_client import Counter

SHOWN = Counter("shown", "users shown")


async def show_user(request):
    SHOWN.inc()
    return web.json_response({})


class Admin(web.View):
    async def get(self):
        return web.Response()
"""


def test_aiohttp_router_and_route_table_registrations_are_handlers(tmp_path: Path) -> None:
    write(tmp_path, "svc/app.py", AIOHTTP_APP)
    write(tmp_path, "svc/views.py", AIOHTTP_VIEWS)
    doc = run(tmp_path)
    routes = {(h["framework"], h["method"], h["route"], h["name"], h["resolved"]) for h in doc["handlers"]}
    assert routes == {
        ("aiohttp", "GET", "/orders", "Api.list_orders", True),
        ("aiohttp", "POST", "/orders", "create_order", True),
        ("aiohttp", "GET", "/healthz", "health", True),
        ("aiohttp", "GET", "/users/{id}", "show_user", True),
        ("aiohttp", "ANY", "/admin", "Admin", True),
    }
    assert handler(doc, "create_order")["emits_log"]
    shown = handler(doc, "show_user")
    assert shown["file"] == "svc/views.py" and shown["emits_metric"]
    assert not handler(doc, "health")["public"]


STARLETTE_APP = """\
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute


async def homepage(request):
    tracer.start_as_current_span("home")


async def stream(websocket):
    pass


app = Starlette(routes=[
    Route("/", homepage),
    Route("/items", endpoint=homepage, methods=["GET", "POST"]),
    WebSocketRoute("/ws", stream),
])
"""


def test_starlette_routes_are_handlers_with_their_methods(tmp_path: Path) -> None:
    write(tmp_path, "svc/app.py", STARLETTE_APP)
    doc = run(tmp_path)
    routes = {(h["framework"], h["method"], h["route"], h["name"]) for h in doc["handlers"]}
    assert routes == {
        ("starlette", "GET", "/", "homepage"),
        ("starlette", "GET", "/items", "homepage"),
        ("starlette", "POST", "/items", "homepage"),
        ("starlette", "WEBSOCKET", "/ws", "stream"),
    }
    assert all(h["emits_trace"] for h in doc["handlers"] if h["name"] == "homepage")


EXPRESS_APP = """\
const express = require("express");
const app = express();
const router = express.Router();

function listUsers(req, res) {
  logger.info("listing users");
  res.json([]);
}

const createUser = async (req, res) => {
  metrics.increment("users.created");
  res.status(201).end();
};

app.get("/users", listUsers);
router.post("/users", requireAuth, createUser);
app.delete("/users/:id", (req, res) => {
  res.status(204).end();
});
app.get("env");
app.set("view engine", "pug");
"""


def test_express_routes_are_handlers_inline_or_by_name(
    tmp_path: Path, validate_document: Callable[..., Any]
) -> None:
    write(tmp_path, "web/server.js", EXPRESS_APP)
    write(tmp_path, "web/routes.ts", 'import { show } from "./show";\nrouter.get("/items/:id", show);\n')
    source = "export function show(req: Request, res: Response) {\n  span('show');\n}\n"
    write(tmp_path, "web/show.ts", source)
    doc = run(tmp_path)
    validate_document(doc)
    routes = {(h["language"], h["method"], h["route"], h["name"], h["file"]) for h in doc["handlers"]}
    assert routes == {
        ("javascript", "GET", "/users", "listUsers", "web/server.js"),
        ("javascript", "POST", "/users", "createUser", "web/server.js"),
        ("javascript", "DELETE", "/users/:id", "<anonymous>", "web/server.js"),
        ("typescript", "GET", "/items/:id", "show", "web/show.ts"),
    }
    assert handler(doc, "listUsers")["emits_log"]
    assert handler(doc, "createUser")["emits_metric"]
    assert handler(doc, "show")["emits_trace"]
    assert not handler(doc, "<anonymous>")["emits_log"]


RECORD_FILES = {
    "app.py": (
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n"
        "@app.get('/a')\ndef a(x, y=1):\n    logger.info('a')\n    metrics.incr('a')\n"
    ),
    "main.go": (
        "package main\n\nimport \"net/http\"\n\nfunc main() {\n"
        "\thttp.HandleFunc(\"/b\", func(w http.ResponseWriter, r *http.Request) {})\n}\n"
    ),
}


@pytest.mark.parametrize("rel", sorted(RECORD_FILES))
def test_per_file_record_is_plain_json_and_reads_back_as_the_same_facts(tmp_path: Path, rel: str) -> None:
    """Cached records are read back on every warm run: plain JSON (no tagged dataclasses), and
    an inline handler that is also a definition comes back as one object."""
    write(tmp_path, rel, RECORD_FILES[rel])
    cfg, _ = build_config(ExtractContext(root=tmp_path, files=(rel,)))
    record = visit(cfg, rel, SourceFile(str(tmp_path), rel, 1_000_000))
    stored = orjson.loads(orjson.dumps(record))
    assert stored == record
    facts, again = from_record(record), from_record(stored)
    assert again == facts
    assert facts.registrations and all(r.inline is not None for r in facts.registrations)
    for reg, reg_again in zip(facts.registrations, again.registrations, strict=True):
        assert any(reg.inline is d for d in facts.definitions) == any(
            reg_again.inline is d for d in again.definitions
        )
    if rel == "app.py":
        assert again.registrations[0].inline is again.definitions[0]
        assert again.definitions[0].log == [("logger.info(", 8)]


def test_record_keeps_tuples_and_an_inline_handler_outside_the_definitions() -> None:
    action = Definition("c.ex", 3, "index", "index", "elixir", "Web.PageController", params=("conn", "_p"))
    inline = Definition("c.ex", 9, "<anonymous>", "<anonymous>", "elixir", metric=[("count(", 10)])
    facts = FileFacts(
        definitions=[action],
        registrations=[Registration("c.ex", 9, "phoenix", "elixir", "/", "GET", "x", inline=inline)],
        problems=[{"file": "c.ex", "line": 1, "code": "syntax", "message": "m"}],
    )
    again = from_record(orjson.loads(orjson.dumps(to_record(facts))))
    assert again == facts
    assert again.definitions[0].params == ("conn", "_p")
    assert again.registrations[0].inline is not None
    assert again.registrations[0].inline.metric == [("count(", 10)]
