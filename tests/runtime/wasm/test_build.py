"""`sentinel bundle build --target wasm`: OPA compiles, the bundle stays reproducible and signable, and
what could not be served is reported at build time (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.runtime.bundles.archive import read_archive
from tests.runtime.wasm.conftest import Signer


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["bundle", *map(str, args)], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _wasm_build(src: Path, out: Path, opa: str, *entrypoints: str) -> tuple[int, str, str]:
    flags = [f for e in entrypoints for f in ("-e", e)]
    return invoke("build", src, "-o", out, "--target", "wasm", "--opa", opa, *flags)


def _policy(tmp_path: Path, body: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "policy.rego").write_text(f"package app\n\nimport rego.v1\n\n{body}\n")
    return src


def test_a_wasm_build_is_byte_identical_for_the_same_sources(
    decision_src: Path, opa: str, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    assert _wasm_build(decision_src, first, opa, "sentinel/decision/deny")[0] == 0
    assert _wasm_build(decision_src, second, opa, "sentinel/decision/deny")[0] == 0
    assert first.read_bytes() == second.read_bytes()


def test_the_manifest_names_the_module_for_each_entry_point(
    decision_src: Path, opa: str, tmp_path: Path
) -> None:
    out = tmp_path / "b.tar.gz"
    code, _, err = _wasm_build(
        decision_src, out, opa, "sentinel/decision/warn", "data.sentinel.decision.deny"
    )
    assert code == 0, err
    files = read_archive(out.read_bytes())
    assert files["policy.wasm"].startswith(b"\x00asm")
    assert json.loads(files[".manifest"])["wasm"] == [
        {"entrypoint": "sentinel/decision/deny", "module": "policy.wasm"},
        {"entrypoint": "sentinel/decision/warn", "module": "policy.wasm"},
    ]
    assert {"decision.rego", "data.json"} <= set(files)


def test_a_wasm_bundle_signs_and_verifies(
    decision_src: Path, opa: str, tmp_path: Path, signer: Signer
) -> None:
    out = tmp_path / "b.tar.gz"
    (tmp_path / "private.pem").write_bytes(signer.private_pem)
    (tmp_path / "public.pem").write_bytes(signer.public_pem)
    assert _wasm_build(decision_src, out, opa, "sentinel/decision/deny")[0] == 0
    assert invoke("sign", out, "--key", tmp_path / "private.pem")[0] == 0
    assert invoke("verify", out, "--key", tmp_path / "public.pem")[0] == 0


def test_without_opa_the_build_exits_2_saying_how_to_install_it(decision_src: Path, tmp_path: Path) -> None:
    code, _, err = invoke(
        "build",
        decision_src,
        "-o",
        tmp_path / "b.tar.gz",
        "--target",
        "wasm",
        "-e",
        "sentinel/decision/deny",
        env={"SENTINEL_OPA": str(tmp_path / "no-opa-here")},
    )
    assert code == 2
    assert "go install github.com/open-policy-agent/opa@" in err
    assert not (tmp_path / "b.tar.gz").exists()


def test_an_entry_point_that_is_no_rule_is_reported_at_build_time(tmp_path: Path, opa: str) -> None:
    code, _, err = _wasm_build(_policy(tmp_path, "allow if input.ok"), tmp_path / "b.tar.gz", opa, "app/nope")
    assert code == 2
    assert "app/nope" in err


def test_a_builtin_the_host_cannot_provide_is_reported_at_build_time(tmp_path: Path, opa: str) -> None:
    body = 'allow if http.send({"method": "GET", "url": input.url}).status_code == 200'
    code, _, err = _wasm_build(_policy(tmp_path, body), tmp_path / "b.tar.gz", opa, "app/allow")
    assert code == 2
    assert "missing_builtin" in err and "http.send" in err
    assert not (tmp_path / "b.tar.gz").exists()


def test_rego_that_does_not_compile_is_reported_with_opas_message(tmp_path: Path, opa: str) -> None:
    code, _, err = _wasm_build(_policy(tmp_path, "allow if {"), tmp_path / "b.tar.gz", opa, "app/allow")
    assert code == 2
    assert "policy.rego" in err


@pytest.mark.parametrize("entrypoint", ["-x", "../etc", "app allow", ""])
def test_a_malformed_entry_point_is_a_usage_error(tmp_path: Path, opa: str, entrypoint: str) -> None:
    code, _, err = _wasm_build(_policy(tmp_path, "allow if input.ok"), tmp_path / "b.tar.gz", opa, entrypoint)
    assert code == 2
    assert "--entrypoint" in err


def test_an_entry_point_without_the_wasm_target_is_a_usage_error(decision_src: Path, tmp_path: Path) -> None:
    code, _, err = invoke("build", decision_src, "-o", tmp_path / "b.tar.gz", "-e", "sentinel/decision/deny")
    assert code == 2
    assert "--target wasm" in err
