"""`sentinel bundle build|sign|verify|inspect`: exit 0 valid, 1 verification failed, 2 usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import ec

from sentinel.cli import main
from tests.runtime.bundles.conftest import private_pem, public_pem, write_policies


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["bundle", *map(str, args)], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "private.pem").write_bytes(private_pem(key))
    (tmp_path / "public.pem").write_bytes(public_pem(key))
    return tmp_path / "private.pem", tmp_path / "public.pem"


@pytest.fixture
def signed(tmp_path: Path, keys: tuple[Path, Path]) -> Path:
    out = tmp_path / "bundle.tar.gz"
    assert invoke("build", write_policies(tmp_path / "src"), "-o", out, "--revision", "r1")[0] == 0
    assert invoke("sign", out, "--key", keys[0], "--kid", "k1", "--scope", "prod")[0] == 0
    return out


def test_build_is_byte_identical_for_the_same_sources(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert invoke("build", write_policies(tmp_path / name), "-o", tmp_path / f"{name}.tar.gz")[0] == 0
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()


def test_build_leaves_out_ignored_files(tmp_path: Path) -> None:
    src = write_policies(tmp_path / "src")
    (src / "authz" / "policy_test.rego").write_text("package authz\n")
    invoke("build", src, "-o", tmp_path / "b.tar.gz", "--ignore", "*_test.rego")
    _, out, _ = invoke("inspect", tmp_path / "b.tar.gz", "--format", "json")
    assert [f["name"] for f in json.loads(out)["files"]] == [
        ".manifest",
        "authz/data.json",
        "authz/policy.rego",
    ]


def test_a_signed_bundle_verifies_with_exit_0(signed: Path, keys: tuple[Path, Path]) -> None:
    code, out, _ = invoke("verify", signed, "--key", keys[1], "--kid", "k1", "--scope", "prod")
    assert code == 0
    assert "verified" in out and "'k1'" in out


def test_sign_with_output_leaves_the_input_unsigned(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    unsigned = tmp_path / "unsigned.tar.gz"
    invoke("build", write_policies(tmp_path / "src"), "-o", unsigned)
    before = unsigned.read_bytes()
    assert invoke("sign", unsigned, "--key", keys[0], "-o", tmp_path / "signed.tar.gz")[0] == 0
    assert unsigned.read_bytes() == before
    assert invoke("verify", tmp_path / "signed.tar.gz", "--key", keys[1])[0] == 0


def test_verification_failure_exits_1_with_the_reason(signed: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    other.write_bytes(public_pem(ec.generate_private_key(ec.SECP256R1())))
    code, _, err = invoke("verify", signed, "--key", other, "--kid", "k1", "--scope", "prod")
    assert code == 1
    assert "bad_signature" in err


def test_a_wrong_scope_exits_1(signed: Path, keys: tuple[Path, Path]) -> None:
    code, _, err = invoke("verify", signed, "--key", keys[1], "--kid", "k1", "--scope", "staging")
    assert (code, "scope_mismatch" in err) == (1, True)


def test_a_file_that_is_not_a_bundle_exits_1(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    (tmp_path / "junk.tar.gz").write_bytes(b"not a bundle")
    code, _, err = invoke("verify", tmp_path / "junk.tar.gz", "--key", keys[1])
    assert (code, "not_gzip" in err) == (1, True)


def test_verify_needs_exactly_one_key_source(signed: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    (tmp_path / "jwks.json").write_text('{"keys": []}')
    assert invoke("verify", signed)[0] == 2
    assert invoke("verify", signed, "--key", keys[1], "--jwks", tmp_path / "jwks.json")[0] == 2


def test_verify_with_a_jwks(signed: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(load_pem_public_key(keys[1].read_bytes())))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [dict(jwk, kid="k1", alg="ES256")]}))
    assert invoke("verify", signed, "--jwks", tmp_path / "jwks.json", "--scope", "prod")[0] == 0


def test_an_unusable_key_file_is_a_usage_error(signed: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
    code, _, err = invoke("verify", signed, "--key", tmp_path / "bad.pem")
    assert (code, "bad_key" in err) == (2, True)


def test_inspect_shows_the_constitution_hash_and_the_signing_kid(
    signed: Path, keys: tuple[Path, Path]
) -> None:
    _, out, _ = invoke("inspect", signed, "--format", "json")
    report = json.loads(out)
    _, verified, _ = invoke("verify", signed, "--key", keys[1], "--kid", "k1", "--scope", "prod")
    assert report["revision"] == "r1"
    assert report["signatures"] == [{"kid": "k1", "verified": False}]
    assert report["constitution_hash"] in verified


def test_inspect_text_lists_every_file_with_its_hash(signed: Path) -> None:
    code, out, _ = invoke("inspect", signed)
    assert code == 0
    assert "constitution hash:" in out and "authz/policy.rego" in out


def test_building_overlapping_roots_is_a_usage_error(tmp_path: Path) -> None:
    src = write_policies(tmp_path / "src")
    (src / ".manifest").write_text('{"roots": ["authz", "authz/x"]}')
    code, _, err = invoke("build", src, "-o", tmp_path / "b.tar.gz")
    assert (code, "roots_overlap" in err) == (2, True)
    assert not (tmp_path / "b.tar.gz").exists()


def test_sentinel_help_does_not_import_the_runtime() -> None:
    script = (
        "import sys; from click.testing import CliRunner; from sentinel.cli import main; "
        "CliRunner().invoke(main, ['--help']); CliRunner().invoke(main, ['bundle', '--help']); "
        "sys.exit(any(m.startswith('sentinel.runtime') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", script], check=False, timeout=60).returncode == 0
