"""Teams migrate without rewriting: import-linter contracts (.importlinter, setup.cfg, pyproject) are
read directly when conftest.yml declares no architecture contracts, and buf.yaml's breaking
settings (use, except, ignore, ignore_only) drive protocol.breaking_change."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from sentinel.cli import main
from tests.conftest import GitRepo
from testsupport.importlinter import APP_LAYERS

IMPORTLINTER = APP_LAYERS + """
[importlinter:contract:pure]
name = domain is pure
type = forbidden
source_modules =
    app.domain
forbidden_modules =
    app.api
"""
PROTO = 'syntax = "proto3";\npackage acme.v1;\nmessage User {\n  string name = 1;\n  int32 age = 2;\n}\n'


def _run(repo: GitRepo, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(repo.root)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _states(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    result = _run(repo, monkeypatch, "policies", "list", "-o", "json")
    assert result.exit_code == 0, result.output
    return {row["rule"]: row["state"] for row in json.loads(result.output)}


@pytest.fixture
def app(git_repo: GitRepo) -> GitRepo:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/api/__init__.py", "from app.domain import model\n")
    git_repo.write("app/domain/__init__.py", "")
    git_repo.write("app/domain/model.py", "from app.api import handler\n")
    git_repo.write("conftest.yml", "extract:\n  kinds: [imports]\n")
    return git_repo


def test_importlinter_contracts_become_active_rules(app: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _states(app, monkeypatch)["architecture.layers"] == "inert"
    app.write(".importlinter", IMPORTLINTER)
    states = _states(app, monkeypatch)
    assert states["architecture.layers"] == "active"
    assert states["architecture.forbidden_import"] == "active"
    result = _run(app, monkeypatch, "check", "-o", "json")
    assert result.exit_code == 1, result.output
    rules = {f["metadata"]["rule"] for r in json.loads(result.output) for f in r.get("failures", [])}
    assert rules == {"architecture.layers", "architecture.forbidden_import"}


def test_pyproject_importlinter_contracts_are_read(app: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    app.write(
        "pyproject.toml",
        '[tool.importlinter]\nroot_package = "app"\n\n[[tool.importlinter.contracts]]\nname = "pure"\n'
        'type = "forbidden"\nsource_modules = ["app.domain"]\nforbidden_modules = ["app.api"]\n',
    )
    assert _states(app, monkeypatch)["architecture.forbidden_import"] == "active"
    assert _run(app, monkeypatch, "check").exit_code == 1


def test_contracts_in_conftest_yml_win_over_importlinter(
    app: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.write(".importlinter", IMPORTLINTER)
    app.write(
        "conftest.yml",
        "extract:\n  kinds: [imports]\nparams:\n  architecture:\n    independence:\n"
        "      - name: apart\n        modules: [app.api, app.domain]\n",
    )
    states = _states(app, monkeypatch)
    assert states["architecture.independence"] == "active"
    assert states["architecture.layers"] == "inert"


def test_an_importlinter_contract_that_cannot_be_translated_is_an_error(
    app: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.write(
        ".importlinter", "[importlinter:contract:x]\nname = half\ntype = forbidden\nsource_modules = app\n"
    )
    result = _run(app, monkeypatch, "check")
    assert result.exit_code == 2
    assert ".importlinter: contract 'half' (forbidden) lacks forbidden_modules" in result.output


@pytest.fixture
def proto(git_repo: GitRepo) -> tuple[GitRepo, str]:
    """A proto whose field `name` is renamed after the base commit (FIELD_SAME_NAME and
    FIELD_SAME_JSON_NAME: WIRE_JSON changes, not WIRE ones)."""
    git_repo.write("proto/acme/v1/user.proto", PROTO)
    git_repo.write(
        "conftest.yml", "extract:\n  kinds: [proto]\n  options:\n    proto:\n      include_paths: [proto]\n"
    )
    base = git_repo.commit("base")
    git_repo.write("proto/acme/v1/user.proto", PROTO.replace("string name = 1", "string full_name = 1"))
    git_repo.commit("rename")
    return git_repo, base


def _breaking(repo: GitRepo, base: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The buf rule ids protocol.breaking_change reports (the check fails exactly when any)."""
    result = _run(repo, monkeypatch, "check", "--base", base, "-o", "json")
    assert result.exit_code in (0, 1), result.output
    rules = sorted(
        f["msg"].split("breaking change ")[1].split()[0]
        for r in json.loads(result.output)
        for f in r.get("failures", [])
        if f["metadata"]["rule"] == "protocol.breaking_change"
    )
    assert (result.exit_code == 1) == bool(rules), result.output
    return rules


BUF_V2 = "version: v2\nmodules:\n  - path: proto\nbreaking:\n  use: [WIRE_JSON]\n"


def test_buf_except_drops_the_excepted_rules(
    proto: tuple[GitRepo, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, base = proto
    repo.write("buf.yaml", BUF_V2)
    assert _breaking(repo, base, monkeypatch) == ["FIELD_SAME_JSON_NAME", "FIELD_SAME_NAME"]
    repo.write("buf.yaml", BUF_V2 + "  except: [FIELD_SAME_NAME]\n")
    assert _breaking(repo, base, monkeypatch) == ["FIELD_SAME_JSON_NAME"]
    repo.write("buf.yaml", BUF_V2 + "  except: [FIELD_SAME_NAME, FIELD_SAME_JSON_NAME]\n")
    assert _breaking(repo, base, monkeypatch) == []


def test_buf_ignore_leaves_files_out(proto: tuple[GitRepo, str], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, base = proto
    repo.write("buf.yaml", BUF_V2 + "  ignore: [proto/acme]\n")
    assert _breaking(repo, base, monkeypatch) == []


def test_buf_v1_ignore_only_is_relative_to_the_module(
    proto: tuple[GitRepo, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, base = proto
    repo.write("buf.work.yaml", "version: v1\ndirectories: [proto]\n")
    repo.write(
        "proto/buf.yaml",
        "version: v1\nbreaking:\n  use: [FILE]\n  ignore_only:\n    FIELD_SAME_NAME: [acme/v1/user.proto]\n",
    )
    assert _breaking(repo, base, monkeypatch) == ["FIELD_SAME_JSON_NAME"]
    repo.write(
        "proto/buf.yaml",
        "version: v1\nbreaking:\n  use: [FILE]\n  ignore_only:\n    WIRE_JSON: [acme]\n",
    )
    assert _breaking(repo, base, monkeypatch) == []


def test_buf_use_sets_the_strictness(proto: tuple[GitRepo, str], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, base = proto
    repo.write("buf.yaml", "version: v2\nbreaking:\n  use: [WIRE]\n")
    assert _breaking(repo, base, monkeypatch) == []
    repo.write(
        "conftest.yml",
        repo.root.joinpath("conftest.yml").read_text() + "params:\n  protocol:\n    strictness: WIRE_JSON\n",
    )
    assert _breaking(repo, base, monkeypatch) != []  # conftest.yml wins over buf.yaml


@pytest.mark.parametrize(
    ("breaking", "error"),
    [
        ("use: [FIELD_NO_DELETE]", "buf.yaml: breaking.use lists rule ids (FIELD_NO_DELETE)"),
        ("ignore: [../elsewhere]", "'../elsewhere' must be a relative path inside the repository"),
    ],
    ids=["rule ids in use", "a path out of the repository"],
)
def test_buf_settings_that_cannot_be_translated_are_errors(
    proto: tuple[GitRepo, str], monkeypatch: pytest.MonkeyPatch, breaking: str, error: str
) -> None:
    repo, base = proto
    repo.write("buf.yaml", f"version: v2\nbreaking:\n  {breaking}\n")
    result = _run(repo, monkeypatch, "check", "--base", base)
    assert result.exit_code == 2
    assert error in result.output


def test_a_buf_yaml_alias_bomb_is_refused(
    proto: tuple[GitRepo, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, base = proto
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    )
    repo.write("buf.yaml", bomb)
    result = _run(repo, monkeypatch, "check", "--base", base)
    assert result.exit_code == 2
    assert "buf.yaml: YAML aliases are not supported" in result.output


def test_a_buf_module_behind_a_symlinked_folder_is_not_read(
    proto: tuple[GitRepo, str], monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    repo, base = proto
    outside = tmp_path_factory.mktemp("outside")
    (outside / "buf.yaml").write_text("version: v1\nbreaking:\n  use: [WIRE]\n")
    (repo.root / "elsewhere").symlink_to(outside, target_is_directory=True)
    repo.write("buf.work.yaml", "version: v1\ndirectories: [elsewhere]\n")
    result = _run(repo, monkeypatch, "check", "--base", base)
    assert result.exit_code == 2
    assert "elsewhere/buf.yaml: reached through a symlinked folder outside the repository" in result.output


def test_an_unknown_rule_in_proto_except_is_an_error(
    proto: tuple[GitRepo, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, base = proto
    repo.write("buf.yaml", BUF_V2 + "  except: [FIELD_NO_DELEET]\n")
    result = _run(repo, monkeypatch, "check", "--base", base)
    assert result.exit_code == 2
    assert "unknown buf rule id or category FIELD_NO_DELEET" in result.output
