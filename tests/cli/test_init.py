"""``sentinel init`` writes one commented conftest.yml that validates and that ``sentinel check``
accepts, the workflow and the .gitignore line; ``--check`` says whether the configuration still
fits the tree; adoption on a repository with old violations starts green."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.config import load_config
from tests.conftest import GitRepo
from testsupport.importlinter import APP_LAYERS

IMPORTLINTER = APP_LAYERS


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def tree(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """Python package, Rust crate, protos, tests, import-linter contracts and buf.yaml."""
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/api/__init__.py", "from app.domain import model\n")
    git_repo.write("app/domain/__init__.py", "")
    git_repo.write("app/domain/model.py", "VALUE = 1\n")
    git_repo.write("crates/engine/Cargo.toml", '[package]\nname = "fast-engine"\nversion = "0.1.0"\n')
    git_repo.write("crates/engine/src/lib.rs", "pub fn run() {}\n")
    git_repo.write(
        "proto/acme/v1/user.proto",
        'syntax = "proto3";\npackage acme.v1;\nmessage User { string name = 1; }\n',
    )
    git_repo.write(
        "proto/acme/v1/legacy.proto", 'syntax = "proto3";\npackage acme.v1;\nmessage Old { string id = 1; }\n'
    )
    git_repo.write("tests/test_model.py", "def test_value() -> None:\n    assert True\n")
    git_repo.write(".importlinter", IMPORTLINTER)
    git_repo.write(
        "buf.yaml",
        "version: v2\nmodules:\n  - path: proto\nbreaking:\n  use: [PACKAGE]\n"
        "  except: [FIELD_SAME_JSON_NAME]\n  ignore: [proto/acme/v1/legacy.proto]\n"
        "  ignore_only:\n    FIELD_SAME_NAME: [proto/acme]\n",
    )
    git_repo.write(".gitignore", "__pycache__/\n")
    git_repo.commit("tree")
    monkeypatch.chdir(git_repo.root)
    return git_repo


def test_init_writes_a_config_that_validates_and_check_accepts(tree: GitRepo) -> None:
    code, out = _invoke("init")
    assert code == 0, out
    config = load_config(tree.root / "conftest.yml")
    assert config.layers == {"app": ["app/**"], "fast_engine": ["crates/engine/**"], "tests": ["tests/**"]}
    params = config.sections["params"]
    assert params["core"]["paths"] == ["app/**", "crates/engine/**"]
    assert params["architecture"]["layers"] == [{"name": "app layers", "layers": ["app.api", "app.domain"]}]
    assert params["testing"]["core_test_paths"] == ["tests/**"]
    assert params["protocol"]["strictness"] == "PACKAGE"
    proto = config.section("extract")["options"]["proto"]
    assert proto == {
        "include_paths": ["proto"],
        "except": ["FIELD_SAME_JSON_NAME"],
        "ignore": ["/proto/acme/v1/legacy.proto"],
        "ignore_only": {"FIELD_SAME_NAME": ["/proto/acme"]},
    }
    assert (tree.root / "conftest.yml").read_text().startswith("# Sentinel's settings")
    assert "inferred: 1 import contracts from .importlinter" in out
    workflow = yaml.safe_load((tree.root / ".github/workflows/sentinel.yml").read_text())
    assert workflow["jobs"]["policy-check"]["steps"][-1]["with"] == {
        "base": "${{ github.event.pull_request.base.sha }}"
    }
    assert (
        tree.root / ".gitignore"
    ).read_text() == "__pycache__/\n# Sentinel's extracted facts (sentinel check)\n.sentinel/\n"
    tree.commit("sentinel init")
    code, out = _invoke("check")
    assert code == 0, out
    assert _invoke("init", "--check") == (0, "conftest.yml is consistent with the tree\n")


def test_init_prints_what_it_could_not_infer(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    git_repo.write("README.md", "nothing to see\n")
    git_repo.commit()
    monkeypatch.chdir(git_repo.root)
    code, out = _invoke("init")
    assert code == 0, out
    assert "note: no layering contract found" in out
    assert "architecture.layers and the other import contracts stay inert" in out
    assert "note: no top-level Python package or Rust crate found" in out
    load_config(git_repo.root / "conftest.yml")


def test_init_refuses_to_overwrite_a_config_without_force(tree: GitRepo) -> None:
    tree.write("conftest.yml", "extract:\n  kinds: [files]\n")
    code, out = _invoke("init")
    assert code == 2
    assert "conftest.yml exists; run with --force" in out
    assert (tree.root / "conftest.yml").read_text() == "extract:\n  kinds: [files]\n"
    assert not (tree.root / ".github").exists()


def test_init_is_idempotent(tree: GitRepo) -> None:
    assert _invoke("init")[0] == 0
    first = {
        rel: (tree.root / rel).read_bytes()
        for rel in ("conftest.yml", ".gitignore", ".github/workflows/sentinel.yml")
    }
    code, out = _invoke("init", "--force")
    assert code == 0, out
    again = {rel: (tree.root / rel).read_bytes() for rel in first}
    assert again == first
    assert (tree.root / ".gitignore").read_text().splitlines().count(".sentinel/") == 1


def test_init_never_writes_through_a_symlink(tree: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_text("keep\n")
    (tree.root / ".gitignore").unlink()
    (tree.root / ".gitignore").symlink_to(outside)
    code, out = _invoke("init")
    assert code == 2
    assert ".gitignore is a symlink" in out
    assert outside.read_text() == "keep\n"
    assert not (tree.root / "conftest.yml").exists()
    (tree.root / ".gitignore").unlink()
    (tree.root / "conftest.yml").symlink_to(outside)
    assert _invoke("init", "--force")[0] == 2
    assert outside.read_text() == "keep\n"


def test_check_reports_what_no_longer_fits_the_tree(tree: GitRepo) -> None:
    assert _invoke("init")[0] == 0
    tree.remove("crates/engine/Cargo.toml")
    tree.remove("crates/engine/src/lib.rs")
    tree.write("billing/__init__.py", "")
    tree.write(
        "conftest.yml",
        (tree.root / "conftest.yml")
        .read_text()
        .replace('["app.api", "app.domain"]', '["app.api", "app.store"]'),
    )
    tree.commit("drift")
    code, out = _invoke("init", "--check")
    assert code == 1, out
    lines = out.splitlines()
    assert len(lines) == 4, out
    assert any(
        line.endswith(": extract.options.files.layers.fast_engine: glob 'crates/engine/**' matches no file")
        for line in lines
    )
    assert any(
        line.endswith(": params.core.paths: glob 'crates/engine/**' matches no file") for line in lines
    )
    assert any(
        line.endswith(
            ": params.architecture.layers[0].layers[1]: module 'app.store' does not exist in the tree"
        )
        for line in lines
    )
    assert any(
        line.endswith(": extract.options.files.layers: package 'billing' (billing/) is in no layer")
        for line in lines
    )


def test_check_without_a_config_is_an_error(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(git_repo.root)
    code, out = _invoke("init", "--check")
    assert code == 2
    assert "run `sentinel init` first" in out


OLD = "def f():\n    # TODO fix this later\n    return 1\n"


def test_adoption_init_baseline_then_only_the_new_finding_blocks(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/core.py", OLD)
    git_repo.write(
        "tests/test_core.py", "from app.core import f\n\n\ndef test_f() -> None:\n    assert f() == 1\n"
    )
    git_repo.commit("existing code with a violation")
    monkeypatch.chdir(git_repo.root)

    code, out = _invoke("init")
    assert code == 0, out
    code, out = _invoke("check", "-o", "json")
    assert code == 1, out  # the old unticketed marker in core code (params.core.paths from init)
    code, out = _invoke("baseline", "create")
    assert code == 0, out
    git_repo.commit("adopt sentinel")
    code, out = _invoke("check")
    assert code == 0, out

    git_repo.write("app/new.py", "# FIXME handle errors\nx = 1\n")
    git_repo.write(
        "tests/test_new.py", "from app.new import x\n\n\ndef test_x() -> None:\n    assert x == 1\n"
    )
    git_repo.commit("new code")
    code, out = _invoke("check", "-o", "json")
    assert code == 1, out
    failures = [f for r in json.loads(out) for f in r.get("failures", [])]
    assert len(failures) == 1, failures
    assert "FIXME" in failures[0]["msg"] and "handle errors" in failures[0]["msg"]


HTTP_PROTO = 'syntax = "proto3";\npackage google.api;\nmessage HttpRule { string get = 2; }\n'
ANNOTATIONS_PROTO = """\
syntax = "proto3";
package google.api;
import "google/api/http.proto";
import "google/protobuf/descriptor.proto";
extend google.protobuf.MethodOptions { HttpRule http = 72295728; }
"""
STATUS_PROTO = """\
syntax = "proto3";
package google.rpc;
import "google/protobuf/any.proto";
message Status { int32 code = 1; repeated google.protobuf.Any details = 3; }
"""


def test_init_takes_the_proto_root_from_which_the_imports_resolve(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files under google/ import each other as google/api/...: the root is the top, not google/."""
    git_repo.write("google/api/http.proto", HTTP_PROTO)
    git_repo.write("google/api/annotations.proto", ANNOTATIONS_PROTO)
    git_repo.write("google/rpc/status.proto", STATUS_PROTO)
    git_repo.commit("protos")
    monkeypatch.chdir(git_repo.root)
    code, out = _invoke("init")
    assert code == 0, out
    config = load_config(git_repo.root / "conftest.yml")
    assert config.section("extract")["options"]["proto"]["include_paths"] == ["."]
    git_repo.commit("sentinel init")
    code, out = _invoke("check", "-o", "json")
    assert code == 0, out  # every file compiled: nothing reported as unscanned


def test_init_takes_the_folder_above_an_import_path_as_the_proto_root(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """proto/a/b/c.proto importing "b/x.proto" implies root proto/a, for both files."""
    git_repo.write("proto/a/b/x.proto", 'syntax = "proto3";\npackage shared;\nmessage X { string id = 1; }\n')
    git_repo.write(
        "proto/a/b/c.proto",
        'syntax = "proto3";\npackage svc;\nimport "b/x.proto";\nmessage C { shared.X x = 1; }\n',
    )
    git_repo.commit("protos")
    monkeypatch.chdir(git_repo.root)
    assert _invoke("init")[0] == 0
    config = load_config(git_repo.root / "conftest.yml")
    assert config.section("extract")["options"]["proto"]["include_paths"] == ["proto/a"]
    git_repo.commit("sentinel init")
    code, out = _invoke("check", "-o", "json")
    assert code == 0, out


def test_init_finds_test_folders_inside_packages_and_crates(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crate's tests/ beside its Cargo.toml and a package's tests/ holding test files are test
    paths; a library module named testing/ without test files is not."""
    git_repo.write("engine/Cargo.toml", '[package]\nname = "engine"\nversion = "0.1.0"\n')
    git_repo.write("engine/src/lib.rs", "pub fn run() {}\n")
    git_repo.write("engine/tests/service/main.rs", "#[test]\nfn runs() { engine::run(); }\n")
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/tests/__init__.py", "")
    git_repo.write("app/tests/test_app.py", "def test_app() -> None:\n    assert True\n")
    git_repo.write("app/testing/__init__.py", "")
    git_repo.write("app/testing/client.py", "class Client:\n    pass\n")
    git_repo.write("tests/test_top.py", "def test_top() -> None:\n    assert True\n")
    git_repo.commit("tree")
    monkeypatch.chdir(git_repo.root)
    code, out = _invoke("init")
    assert code == 0, out
    config = load_config(git_repo.root / "conftest.yml")
    assert config.sections["params"]["testing"]["core_test_paths"] == [
        "app/tests/**", "engine/tests/**", "tests/**"
    ]
    assert config.layers == {"app": ["app/**"], "engine": ["engine/**"], "tests": ["tests/**"]}


def test_a_nested_test_folder_whose_name_reads_as_a_glob_is_left_out(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("pkg[1]/tests/test_a.py", "def test_a() -> None:\n    assert True\n")
    git_repo.write("ok/tests/test_b.py", "def test_b() -> None:\n    assert True\n")
    git_repo.commit("tree")
    monkeypatch.chdir(git_repo.root)
    assert _invoke("init")[0] == 0
    config = load_config(git_repo.root / "conftest.yml")
    assert config.sections["params"]["testing"]["core_test_paths"] == ["ok/tests/**"]
