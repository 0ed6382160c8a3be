"""imports kind, Python: grimp for packages, ast for scripts; async functions and HTTP calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors import imports
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.imports import python
from sentinel.extractors.selection import select_files


def extract(root: Path, options: dict[str, Any] | None = None,
            max_file_bytes: int = 1_000_000) -> dict[str, Any]:
    ctx = ExtractContext(root=root, files=tuple(select_files(root)), options=options or {},
                         max_file_bytes=max_file_bytes)
    return imports.extract(ctx)


def entry(doc: dict[str, Any], file: str) -> dict[str, Any]:
    return next(e for e in doc["files"] if e["file"] == file)


def imports_of(doc: dict[str, Any], file: str) -> list[tuple[int, str, list[str]]]:
    return [(i["line"], i["target"], i["names"]) for i in entry(doc, file)["imports"]]


def test_relative_imports_resolve_to_absolute_modules(git_repo: Any) -> None:
    git_repo.write("shop/__init__.py", "")
    git_repo.write("shop/orders/__init__.py", "from . import models\n")
    git_repo.write("shop/orders/models.py", "")
    git_repo.write("shop/orders/views.py", "from .models import Order\nfrom ..billing import charge\n")
    git_repo.write("shop/billing.py", "")
    doc = extract(git_repo.root)
    assert imports_of(doc, "shop/orders/views.py") == [(1, "shop.orders.models", ["Order"]),
                                                      (2, "shop.billing", ["charge"])]
    assert imports_of(doc, "shop/orders/__init__.py") == [(1, "shop.orders", ["models"])]


def test_from_import_of_a_submodule_lists_the_submodule_in_modules(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/db.py", "")
    git_repo.write("app/main.py", "from app import db, VERSION\n")
    item = entry(extract(git_repo.root), "app/main.py")["imports"][0]
    assert item["target"] == "app"
    assert item["modules"] == ["app", "app.db"]


def test_kinds_are_stdlib_third_party_and_first_party(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "import os.path\nimport requests\nfrom app import util\n")
    git_repo.write("app/util.py", "")
    kinds = {i["target"]: i["kind"] for i in entry(extract(git_repo.root), "app/__init__.py")["imports"]}
    assert kinds == {"os.path": "stdlib", "requests": "third_party", "app": "first_party"}


def test_module_names_come_from_the_src_root_when_it_exists(git_repo: Any) -> None:
    git_repo.write("src/pkg/__init__.py", "")
    git_repo.write("src/pkg/core.py", "from . import helpers\n")
    git_repo.write("src/pkg/helpers.py", "")
    doc = extract(git_repo.root)
    assert entry(doc, "src/pkg/core.py")["module"] == "pkg.core"
    assert imports_of(doc, "src/pkg/core.py") == [(1, "pkg", ["helpers"])]


def test_python_roots_option_sets_where_modules_start(git_repo: Any) -> None:
    git_repo.write("lib/python/tool/__init__.py", "")
    git_repo.write("lib/python/tool/run.py", "from .cli import main\n")
    doc = extract(git_repo.root, {"python": {"roots": ["lib/python"]}})
    assert entry(doc, "lib/python/tool/run.py")["module"] == "tool.run"
    assert imports_of(doc, "lib/python/tool/run.py") == [(1, "tool.cli", ["main"])]


def test_script_outside_any_package_is_read(git_repo: Any) -> None:
    git_repo.write("scripts/deploy.py", "import subprocess\nfrom json import dumps as d\n")
    doc = extract(git_repo.root)
    assert entry(doc, "scripts/deploy.py")["module"] == "scripts.deploy"
    assert imports_of(doc, "scripts/deploy.py") == [(1, "subprocess", []), (2, "json", ["dumps"])]


def test_multiline_parenthesized_import_lists_every_name(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/m.py",
                   "from collections import (\n    OrderedDict,  # (ordered)\n    deque as dq,\n)\n")
    assert imports_of(extract(git_repo.root), "app/m.py") == [(1, "collections", ["OrderedDict", "deque"])]


def test_imports_inside_functions_and_conditionals_are_found(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/lazy.py", "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n"
                   "def f():\n    import csv\n")
    assert imports_of(extract(git_repo.root), "app/lazy.py") == [(2, "ujson", []), (6, "csv", [])]


def test_future_import_is_not_listed(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "from __future__ import annotations\nimport os\n")
    assert imports_of(extract(git_repo.root), "app/__init__.py") == [(2, "os", [])]


def test_http_client_calls_are_matched_after_resolving_aliases(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/client.py", "import requests as r\nfrom urllib import request\nimport re\n\n"
                   "def f():\n    r.get('x')\n    request.urlopen('y')\n    re.compile('z')\n"
                   "    r.Session().post('u')\n")
    found = entry(extract(git_repo.root), "app/client.py")["calls"]
    calls = [(c["line"], c["name"], c["pattern"]) for c in found]
    assert calls == [
        (6, "requests.get", "requests.get("),
        (7, "urllib.request.urlopen", "urllib.request.urlopen("),
        (9, "requests.Session", "requests.Session("),
    ]


def test_http_clients_option_replaces_the_language_default(git_repo: Any) -> None:
    git_repo.write("app/__init__.py",
                   "import requests\nimport grpc\nrequests.get('x')\ngrpc.insecure_channel('h')\n")
    doc = extract(git_repo.root, {"http_clients": {"python": ["grpc."]}})
    assert [c["name"] for c in entry(doc, "app/__init__.py")["calls"]] == ["grpc.insecure_channel"]


def test_async_functions_list_their_own_calls_resolved_through_imports(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/handlers.py", (
        "import asyncio\nfrom time import sleep\n\n"
        "class Handler:\n"
        "    async def handle(\n        self,\n    ):\n"
        "        sleep(1)\n"
        "        await asyncio.sleep(2)\n"
        "        def later():\n            sleep(3)\n"
        "        await loop.run_in_executor(None, lambda: sleep(4))\n"
    ))
    [function] = entry(extract(git_repo.root), "app/handlers.py")["async_functions"]
    assert (function["name"], function["line"], function["end_line"]) == ("handle", 5, 12)
    assert [(c["line"], c["name"], c["awaited"]) for c in function["calls"]] == [
        (8, "time.sleep", False), (9, "asyncio.sleep", True), (12, "loop.run_in_executor", True)]


def test_async_def_inside_a_docstring_is_not_a_function(git_repo: Any) -> None:
    git_repo.write("app/__init__.py",
                   '"""Usage:\n\nasync def example():\n    pass\n"""\n\nasync def real():\n    pass\n')
    functions = entry(extract(git_repo.root), "app/__init__.py")["async_functions"]
    assert [(f["name"], f["line"]) for f in functions] == [("real", 7)]


ENGINE_FIXTURE = {
    "pkg/__init__.py": "from .core import run\n",
    "pkg/core.py": (
        '"""Docs mention async def nothing():\n    pass\n"""\n'
        "import os, sys as system\n"
        "from . import (\n    util,\n    api as remote,  # alias\n)\n"
        "from .util import *\n"
        "import socket\n"
        "if os.name:\n    import json\n"
        "else:\n    socket.create_connection(('h', 1))\n"
        "@decorate(socket.gethostname())\n"
        "def run():\n    return socket.socket()\n"
        "async def outer(x,\n    y):\n"
        "    # a comment at the margin follows\n"
        "# here\n"
        "    system.exit(socket.getfqdn())\n"
        "    async def inner():\n        await remote.fetch()\n"
        "    s = '''\ntext at the margin\n'''\n"
        "    return util.helper(s)\n"
    ),
    "pkg/util.py": "def helper(x):\n    return x\n",
    "pkg/api.py": ("import httpx\nasync def fetch():\n"
                   "    async with httpx.AsyncClient() as c:\n        await c.get('u')\n"),
    "pkg/migrations/__init__.py": "",
    "pkg/migrations/0001_initial.py": "from pkg import util\n",
}


def test_grimp_and_ast_engines_give_the_same_document(git_repo: Any) -> None:
    for rel, content in ENGINE_FIXTURE.items():
        git_repo.write(rel, content)
    by_grimp = extract(git_repo.root)
    by_ast = extract(git_repo.root, {"python": {"engine": "ast"}})
    assert json.dumps(by_grimp, sort_keys=True) == json.dumps(by_ast, sort_keys=True)
    assert len(entry(by_grimp, "pkg/core.py")["async_functions"]) == 2
    assert entry(by_grimp, "pkg/migrations/0001_initial.py")["module"] == "pkg.migrations.0001_initial"


def test_syntax_error_is_a_problem_with_its_line_and_earlier_imports_are_kept(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/ok.py", "import os\n")
    git_repo.write("app/broken.py", "import json\n\ndef f(:\n    pass\n")
    doc = extract(git_repo.root)
    [prob] = doc["problems"]
    assert (prob["file"], prob["line"], prob["code"]) == ("app/broken.py", 3, "syntax")
    assert imports_of(doc, "app/broken.py") == [(1, "json", [])]
    assert imports_of(doc, "app/ok.py") == [(1, "os", [])]


def test_relative_import_beyond_the_top_level_package_is_a_problem(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "from ... import nowhere\n")
    doc = extract(git_repo.root)
    assert [(p["file"], p["line"], p["code"]) for p in doc["problems"]] == [("app/__init__.py", 1, "import")]


@pytest.mark.parametrize(("content", "code"), [
    (b"\xff\xfeimport os\n", "encoding"),
    (b"\x7fELF\x00\x01\x02", "binary"),
])
def test_unreadable_package_file_is_a_problem_and_the_rest_is_read(git_repo: Any, content: bytes,
                                                                    code: str) -> None:
    git_repo.write("app/__init__.py", "import os\n")
    git_repo.write("app/bad.py", content)
    doc = extract(git_repo.root)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("app/bad.py", code)]
    assert [e["file"] for e in doc["files"]] == ["app/__init__.py"]


def test_file_over_the_size_limit_is_a_problem(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "import os\n" * 50)
    doc = extract(git_repo.root, max_file_bytes=100)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("app/__init__.py", "too_large")]


def test_package_named_like_an_already_imported_module_is_still_scanned(git_repo: Any) -> None:
    git_repo.write("json/__init__.py", "from .codec import dumps\n")
    git_repo.write("json/codec.py", "import os\n")
    doc = extract(git_repo.root)
    [item] = entry(doc, "json/__init__.py")["imports"]
    assert (item["target"], item["kind"]) == ("json.codec", "first_party")


def test_unknown_engine_option_is_a_usage_error(git_repo: Any) -> None:
    git_repo.write("a.py", "")
    with pytest.raises(ExtractorUsageError, match=r"python\.engine"):
        extract(git_repo.root, {"python": {"engine": "magic"}})


def test_import_running_far_past_the_last_import_line_is_read_from_lines_without_parsing_the_file(
        monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"name{i}" for i in range(100)]
    text = "import os\nfrom collections import (\n" + "".join(f"    {n},\n" for n in names) + ")\nx = 1\n"

    def whole_file(tree: Any) -> Any:
        raise AssertionError("the whole file was parsed")

    monkeypatch.setattr(python, "statements_from_ast", whole_file)
    found = [(1, "import os"), (2, "from collections import (")]
    statements = python.statements_from_lines("m.py", lambda: text, found)
    assert [(s.line, s.module, [n for n, _ in s.names]) for s in statements] == [
        (1, "os", ["os"]), (2, "collections", names)]


def test_async_def_after_code_on_its_line_is_not_a_function(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/m.py", ("class C:\n"
                                "    note = 'async def not_a_function(): pass'\n"
                                "    async def method(self):\n"
                                "        await self.other()\n"))
    functions = entry(extract(git_repo.root), "app/m.py")["async_functions"]
    assert [(f["name"], f["line"], f["end_line"]) for f in functions] == [("method", 3, 4)]


def test_http_call_is_found_where_the_imported_name_also_appears_inside_other_names(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/net.py", ("import socket\n"
                                  "mysocket = None\n"
                                  "def connect(obj):\n"
                                  "    obj.socket()\n"
                                  "    return (socket.create_connection(('h', 1)))\n"))
    by_grimp = extract(git_repo.root)
    by_ast = extract(git_repo.root, {"python": {"engine": "ast"}})
    assert [(c["line"], c["name"]) for c in entry(by_grimp, "app/net.py")["calls"]] == [
        (5, "socket.create_connection")]
    assert entry(by_grimp, "app/net.py") == entry(by_ast, "app/net.py")


def test_from_dots_in_a_comment_or_string_keep_the_package_on_the_grimp_engine(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/sibling.py", "import os\n")
    git_repo.write("app/mod.py", (
        "# moved: from ... import nowhere\n"
        "from . import sibling\n"
        'HINT = "from ...pkg import x"\n'
        "import json\n"
    ))
    ctx = ExtractContext(root=git_repo.root, files=tuple(select_files(git_repo.root)))
    pre = python.check_sources(ctx, {"app/mod.py": 1, "app/sibling.py": 1})
    assert not pre["app/mod.py"].climbs_out
    modules = {"app.mod": "app/mod.py", "app.sibling": "app/sibling.py"}
    assert python._grimp_safe({"app": "."}, modules, pre) == {"app": "."}
    by_grimp = extract(git_repo.root)
    by_ast = extract(git_repo.root, {"python": {"engine": "ast"}})
    assert json.dumps(by_grimp, sort_keys=True) == json.dumps(by_ast, sort_keys=True)
    assert imports_of(by_grimp, "app/mod.py") == [(2, "app", ["sibling"]), (4, "json", [])]


def test_only_a_from_token_followed_by_enough_dots_climbs_out() -> None:
    assert python._climbs_out("from \\\n    .. import nowhere\n", 2)
    assert python._climbs_out("from ... import x\n", 3)
    assert python._climbs_out("from . . . import x\n", 3)
    assert not python._climbs_out("from .. import x  # from ...\n", 3)
    assert not python._climbs_out('x = "from ..."\n', 1)
