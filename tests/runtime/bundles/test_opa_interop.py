"""Interoperability with the real OPA (v1.22.4 from `make tools`): each side verifies the other's bundles,
and both refuse the same tampering."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import httpx
import pytest
import regorus

from sentinel.runtime.bundles.archive import read_archive, write_archive
from sentinel.runtime.bundles.build import build_bundle, sign_bundle
from sentinel.runtime.bundles.errors import BundleError
from sentinel.runtime.bundles.hashing import constitution_hash
from sentinel.runtime.bundles.reader import Bundle, read_bundle
from sentinel.runtime.bundles.signing import KeySet, load_signing_key
from tests.runtime.bundles.conftest import POLICY, private_pem, public_pem
from testsupport.processes import free_port, require_program, running

# Data whose digest depends on every escaping and number rule of OPA's hasher.
TRICKY_JSON = (
    '{"t": {"html": "<a href=\\"x\\">&</a>", "sep": "\\u2028\\u2029", "ctl": "\\u0001\\b\\f\\t", '
    '"uni": "é😀", "nums": [1.50, -0, 1E+2, 12345678901234567890, 0.000001]}}'
)
TRICKY_YAML = "y:\n  flag: yes\n  when: 2024-01-02\n  float: 1.0\n  big: 1e+21\n  list: [a, 'b', 3]\n"


@pytest.fixture(scope="module")
def opa() -> str:
    return require_program("opa", "run `make tools` to build OPA v1.22.4 from the Go module proxy")


def run_opa(opa: str, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [opa, *map(str, args)], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )


def opa_verifies(opa: str, bundle: Path, pub: Path, kid: str, alg: str, scope: str | None = None) -> bool:
    """OPA's own bundle verification (the reader `opa run` uses), via `opa build --verification-key`."""
    extra = ["--scope", scope] if scope else []
    result = run_opa(
        opa,
        "build",
        "-b",
        bundle,
        "--verification-key",
        pub,
        "--verification-key-id",
        kid,
        "--signing-alg",
        alg,
        *extra,
        "-o",
        bundle.parent / "reverified.tar.gz",
    )
    return result.returncode == 0


def our_decision(bundle: Bundle, document: dict[str, Any]) -> dict[str, Any]:
    engine = regorus.Engine()
    for name, source in bundle.modules:
        engine.add_policy(name, source)
    engine.add_data_json(json.dumps(bundle.data))
    engine.set_input_json(json.dumps(document))
    result = (
        json.loads(engine.eval_rule_as_json("data.authz.allow")),
        json.loads(engine.eval_rule_as_json("data.authz.deny")),
    )
    return {"allow": result[0], "deny": sorted(result[1])}


@pytest.fixture
def keys_on_disk(tmp_path: Path, ec_key: Any) -> tuple[Path, Path]:
    priv, pub = tmp_path / "private.pem", tmp_path / "public.pem"
    priv.write_bytes(private_pem(ec_key))
    pub.write_bytes(public_pem(ec_key))
    return priv, pub


@pytest.fixture
def sentinel_bundle(policy_dir: Path, ec_key: Any, tmp_path: Path) -> Path:
    archive, _ = sign_bundle(
        build_bundle([policy_dir], revision="r1"), load_signing_key(private_pem(ec_key), "k1")
    )
    path = tmp_path / "sentinel.tar.gz"
    path.write_bytes(archive)
    return path


def test_opa_run_loads_a_sentinel_signed_bundle_and_decides_as_our_engine(
    opa: str, sentinel_bundle: Path, keys_on_disk: tuple[Path, Path], ec_key: Any, tmp_path: Path
) -> None:
    port = free_port()
    argv = [
        opa,
        "run",
        "--server",
        "--addr",
        f"127.0.0.1:{port}",
        "--skip-version-check",
        "--log-level",
        "error",
        "--bundle",
        "--verification-key",
        str(keys_on_disk[1]),
        "--verification-key-id",
        "k1",
        "--signing-alg",
        "ES256",
        str(sentinel_bundle),
    ]
    ours = read_bundle(sentinel_bundle, keys=KeySet.from_pem(public_pem(ec_key), "k1"))
    with running(argv, port, tmp_path / "opa.log"):
        for user in ("alice", "mallory"):
            reply = httpx.post(
                f"http://127.0.0.1:{port}/v1/data/authz", json={"input": {"user": user}}, timeout=10
            )
            theirs = reply.json()["result"]
            assert {"allow": theirs["allow"], "deny": sorted(theirs["deny"])} == our_decision(
                ours, {"user": user}
            )


def test_opa_verifies_a_sentinel_signed_eddsa_bundle(
    opa: str, policy_dir: Path, ed_key: Any, tmp_path: Path
) -> None:
    archive, _ = sign_bundle(build_bundle([policy_dir]), load_signing_key(private_pem(ed_key), "ed"))
    (tmp_path / "ed.tar.gz").write_bytes(archive)
    (tmp_path / "ed.pem").write_bytes(public_pem(ed_key))
    assert opa_verifies(opa, tmp_path / "ed.tar.gz", tmp_path / "ed.pem", "ed", "EdDSA")


def write_opa_sources(root: Path) -> Path:
    (root / "authz").mkdir(parents=True)
    (root / "authz" / "policy.rego").write_text(POLICY)
    (root / "authz" / "data.json").write_text('{"admins": ["alice", "bob"]}')
    (root / "t").mkdir()
    (root / "t" / "data.json").write_text(TRICKY_JSON.removeprefix('{"t": ').removesuffix("}"))
    (root / "y").mkdir()
    (root / "y" / "data.yaml").write_text(TRICKY_YAML.removeprefix("y:\n").replace("\n  ", "\n").lstrip())
    return root


def opa_build(opa: str, src: Path, out: Path, priv: Path, *extra: str | Path) -> Path:
    result = run_opa(
        opa, "build", "-b", ".", "--signing-key", priv, "--signing-alg", "ES256", *extra, "-o", out, cwd=src
    )
    assert result.returncode == 0, result.stderr
    return out


def opa_claims(path: Path) -> dict[str, Any]:
    import jwt

    token = json.loads(read_archive(path.read_bytes())[".signatures.json"])["signatures"][0]
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_an_opa_signed_bundle_verifies_in_sentinel(
    opa: str, keys_on_disk: tuple[Path, Path], ec_key: Any, tmp_path: Path
) -> None:
    src = write_opa_sources(tmp_path / "src")
    bundle = read_bundle(
        opa_build(opa, src, tmp_path / "opa.tar.gz", keys_on_disk[0]),
        keys=KeySet.from_pem(public_pem(ec_key)),
    )
    assert bundle.signed_by == "default"
    assert bundle.data["authz"] == {"admins": ["alice", "bob"]}


def test_our_digests_equal_the_ones_opa_signed(
    opa: str, keys_on_disk: tuple[Path, Path], tmp_path: Path
) -> None:
    src = write_opa_sources(tmp_path / "src")
    path = opa_build(opa, src, tmp_path / "opa.tar.gz", keys_on_disk[0])
    theirs = {f["name"]: f["hash"] for f in opa_claims(path)["files"]}
    ours = {e["name"]: e["hash"] for e in read_bundle(path).file_hashes}
    assert ours == theirs


def test_the_constitution_hash_of_an_opa_bundle_is_stable_and_derived_from_opas_digests(
    opa: str, keys_on_disk: tuple[Path, Path], tmp_path: Path
) -> None:
    src = write_opa_sources(tmp_path / "src")
    first = opa_build(opa, src, tmp_path / "one.tar.gz", keys_on_disk[0])
    second = opa_build(opa, src, tmp_path / "two.tar.gz", keys_on_disk[0])
    assert read_bundle(first).constitution_hash == read_bundle(second).constitution_hash
    assert read_bundle(first).constitution_hash == constitution_hash(opa_claims(first)["files"])


def test_an_opa_claims_file_scope_is_enforced(
    opa: str, keys_on_disk: tuple[Path, Path], ec_key: Any, tmp_path: Path
) -> None:
    src = write_opa_sources(tmp_path / "src")
    claims = tmp_path / "claims.json"
    claims.write_text('{"scope": "prod", "keyid": "default"}')
    path = opa_build(opa, src, tmp_path / "opa.tar.gz", keys_on_disk[0], "--claims-file", claims)
    keys = KeySet.from_pem(public_pem(ec_key))
    assert read_bundle(path, keys=keys, scope="prod").signed_by == "default"
    with pytest.raises(BundleError, match="scope_mismatch"):
        read_bundle(path, keys=keys)


def test_a_bundle_signed_by_opa_sign_verifies_in_sentinel(
    opa: str, keys_on_disk: tuple[Path, Path], ec_key: Any, tmp_path: Path
) -> None:
    src = write_opa_sources(tmp_path / "src")
    (src / ".manifest").write_text('{"revision": "signed-by-opa-sign", "roots": [""]}')
    result = run_opa(
        opa,
        "sign",
        "--signing-key",
        keys_on_disk[0],
        "--signing-alg",
        "ES256",
        "--bundle",
        ".",
        "--output-file-path",
        ".",
        cwd=src,
    )
    assert result.returncode == 0, result.stderr
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        tar.add(src, arcname="/")
    bundle = read_bundle(raw.getvalue(), keys=KeySet.from_pem(public_pem(ec_key)))
    assert (bundle.revision, bundle.signed_by) == ("signed-by-opa-sign", "default")


def tamper(archive: bytes, case: str) -> bytes:
    files = read_archive(archive)
    if case == "tampered file":
        files["authz/policy.rego"] = POLICY.replace("not allow", "false").encode()
    elif case == "added file":
        files["authz/backdoor.rego"] = b"package authz\n\nallow := true\n"
    elif case == "removed file":
        del files["authz/data.json"]
    return write_archive(files)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("tampered file", "digest_mismatch"),
        ("added file", "file_not_signed"),
        ("removed file", "file_missing"),
    ],
)
def test_a_modified_bundle_is_refused_by_both(
    opa: str, case: str, reason: str, sentinel_bundle: Path, keys_on_disk: tuple[Path, Path], ec_key: Any
) -> None:
    modified = sentinel_bundle.parent / "modified.tar.gz"
    modified.write_bytes(tamper(sentinel_bundle.read_bytes(), case))
    with pytest.raises(BundleError) as caught:
        read_bundle(modified, keys=KeySet.from_pem(public_pem(ec_key), "k1"))
    assert caught.value.reason == reason
    assert not opa_verifies(opa, modified, keys_on_disk[1], "k1", "ES256")
    assert opa_verifies(opa, sentinel_bundle, keys_on_disk[1], "k1", "ES256")


def test_a_wrong_scope_is_refused_by_both(
    opa: str, policy_dir: Path, ec_key: Any, keys_on_disk: tuple[Path, Path], tmp_path: Path
) -> None:
    archive, _ = sign_bundle(
        build_bundle([policy_dir]), load_signing_key(private_pem(ec_key), "k1"), scope="prod"
    )
    path = tmp_path / "scoped.tar.gz"
    path.write_bytes(archive)
    with pytest.raises(BundleError, match="scope_mismatch"):
        read_bundle(path, keys=KeySet.from_pem(public_pem(ec_key), "k1"), scope="staging")
    assert not opa_verifies(opa, path, keys_on_disk[1], "k1", "ES256", scope="staging")
    assert opa_verifies(opa, path, keys_on_disk[1], "k1", "ES256", scope="prod")


def test_a_wrong_key_is_refused_by_both(
    opa: str, sentinel_bundle: Path, other_ec_key: Any, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.pem"
    wrong.write_bytes(public_pem(other_ec_key))
    with pytest.raises(BundleError, match="bad_signature"):
        read_bundle(sentinel_bundle, keys=KeySet.from_pem(public_pem(other_ec_key), "k1"))
    assert not opa_verifies(opa, sentinel_bundle, wrong, "k1", "ES256")


def test_opa_run_refuses_to_start_on_a_tampered_bundle(
    opa: str, sentinel_bundle: Path, keys_on_disk: tuple[Path, Path], tmp_path: Path
) -> None:
    modified = tmp_path / "tampered.tar.gz"
    modified.write_bytes(tamper(sentinel_bundle.read_bytes(), "tampered file"))
    port = free_port()
    argv = [
        opa,
        "run",
        "--server",
        "--addr",
        f"127.0.0.1:{port}",
        "--skip-version-check",
        "--bundle",
        "--verification-key",
        str(keys_on_disk[1]),
        "--verification-key-id",
        "k1",
        "--signing-alg",
        "ES256",
        str(modified),
    ]
    with pytest.raises(RuntimeError, match="digest mismatch"), running(argv, port, tmp_path / "opa.log"):
        pass


DECISION = """package sentinel.decision

import rego.v1

deny contains reason if {
\tnot input.user in data.sentinel.decision.admins
\treason := {"rule": "not-admin", "message": sprintf("%s is not an admin", [input.user]), "weight": 4000}
}

warn contains {"rule": "night", "message": "outside office hours", "weight": 100} if input.hour < 6
"""


def test_opa_run_and_sentinel_eval_give_the_same_decision_from_one_signed_bundle(
    opa: str, keys_on_disk: tuple[Path, Path], ec_key: Any, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from sentinel.cli import main

    src = tmp_path / "src" / "sentinel" / "decision"
    src.mkdir(parents=True)
    (src / "policy.rego").write_text(DECISION)
    (src / "data.json").write_text('{"admins": ["alice"]}')
    archive, _ = sign_bundle(
        build_bundle([tmp_path / "src"], revision="d1"), load_signing_key(private_pem(ec_key))
    )
    path = tmp_path / "decision.tar.gz"
    path.write_bytes(archive)
    port = free_port()
    argv = [
        opa, "run", "--server", "--addr", f"127.0.0.1:{port}", "--skip-version-check", "--log-level", "error",
        "--bundle", "--verification-key", str(keys_on_disk[1]), "--signing-alg", "ES256", str(path),
    ]  # fmt: skip
    with running(argv, port, tmp_path / "opa.log"):
        for document in ({"user": "alice", "hour": 10}, {"user": "mallory", "hour": 3}):
            (tmp_path / "input.json").write_text(json.dumps(document))
            ours = CliRunner().invoke(
                main,
                ["eval", "--bundle", str(path), "-i", str(tmp_path / "input.json"), "sentinel/decision"],
            )
            assert ours.exit_code == 0, ours.stderr
            reply = httpx.post(
                f"http://127.0.0.1:{port}/v1/data/sentinel/decision", json={"input": document}
            )
            assert json.loads(ours.stdout)["result"] == reply.json()["result"]
