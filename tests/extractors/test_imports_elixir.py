"""imports kind, Elixir: alias/import/use/require, multi-alias, alias expansion, kinds, HTTP calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sentinel.extractors import imports
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.selection import select_files

SOURCE = '''defmodule Shop.Orders do
  use GenServer
  alias Shop.{Repo, Accounts.User}
  alias Shop.Billing, as: Pay
  alias Pay.Invoice
  import Ecto.Query, only: [from: 2, where: 3]
  require Logger
  alias :crypto, as: Crypto

  def fetch(url), do: HTTPoison.get(url)
  def fetch2(url), do: :httpc.request(url)
end
'''


def extract(root: Path) -> dict[str, Any]:
    return imports.extract(ExtractContext(root=root, files=tuple(select_files(root))))


def entry(doc: dict[str, Any], file: str) -> dict[str, Any]:
    return next(e for e in doc["files"] if e["file"] == file)


def test_directives_multi_alias_and_as_are_read(git_repo: Any) -> None:
    git_repo.write("lib/orders.ex", SOURCE)
    found = entry(extract(git_repo.root), "lib/orders.ex")["imports"]
    assert [(i["line"], i["target"], i["names"], i["syntax"]) for i in found] == [
        (2, "GenServer", [], "use"),
        (3, "Shop.Accounts.User", ["User"], "alias"),
        (3, "Shop.Repo", ["Repo"], "alias"),
        (4, "Shop.Billing", ["Pay"], "alias"),
        (5, "Shop.Billing.Invoice", ["Invoice"], "alias"),
        (6, "Ecto.Query", ["from", "where"], "import"),
        (7, "Logger", [], "require"),
        (8, ":crypto", ["Crypto"], "alias"),
    ]


def test_module_and_kinds_come_from_the_modules_the_repository_defines(git_repo: Any) -> None:
    git_repo.write("lib/orders.ex", SOURCE)
    git_repo.write("lib/repo.ex", "defmodule Shop.Repo do\nend\n")
    doc = extract(git_repo.root)
    found = entry(doc, "lib/orders.ex")
    assert found["module"] == "Shop.Orders"
    kinds = {i["target"]: i["kind"] for i in found["imports"]}
    assert kinds["Shop.Repo"] == "first_party"
    assert kinds["Shop.Accounts.User"] == "first_party"
    assert kinds["GenServer"] == "stdlib"
    assert kinds[":crypto"] == "stdlib"
    assert kinds["Ecto.Query"] == "third_party"


def test_nested_defmodule_names_are_joined(git_repo: Any) -> None:
    git_repo.write("lib/a.ex",
                   "defmodule Outer do\n  defmodule Inner do\n    alias __MODULE__.Deep\n  end\nend\n")
    found = entry(extract(git_repo.root), "lib/a.ex")
    assert found["module"] == "Outer"
    assert [i["target"] for i in found["imports"]] == ["Outer.Inner.Deep"]


def test_http_calls_in_elixir(git_repo: Any) -> None:
    git_repo.write("lib/orders.ex", SOURCE)
    calls = entry(extract(git_repo.root), "lib/orders.ex")["calls"]
    assert [(c["line"], c["name"], c["pattern"]) for c in calls] == [
        (10, "HTTPoison.get", "HTTPoison."), (11, ":httpc.request", ":httpc.")]


def test_syntax_error_is_a_problem_and_earlier_directives_are_kept(git_repo: Any) -> None:
    git_repo.write("lib/bad.ex", "defmodule Bad do\n  alias Shop.Repo\n  def f( do\nend\n")
    doc = extract(git_repo.root)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("lib/bad.ex", "syntax")]
    assert [i["target"] for i in entry(doc, "lib/bad.ex")["imports"]] == ["Shop.Repo"]
