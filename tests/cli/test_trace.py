"""``sentinel trace`` and ``sentinel audit``: exit 0 valid, 1 tampered (seq and reason), 2 usage or
unreadable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sentinel.cli import main
from sentinel.runtime.trace.checkpoint import Signer
from sentinel.runtime.trace.writer import TraceWriter


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def key_files(tmp_path: Path) -> tuple[Path, Path]:
    pem, jwks = tmp_path / "key.pem", tmp_path / "key.jwks"
    result = run("trace", "keygen", str(pem), str(jwks))
    assert result.exit_code == 0, result.output
    return pem, jwks


def _trace(tmp_path: Path, pem: Path, count: int = 6) -> Path:
    path = tmp_path / "trace.jsonl"
    with TraceWriter(path, Signer.from_pem(pem), batch_size=1, checkpoint_every=3) as writer:
        for i in range(count):
            writer.append({"decision": "allow", "n": i}, risk_level="low")
    return path


def test_keygen_writes_a_private_key_only_its_owner_reads(key_files: tuple[Path, Path]) -> None:
    pem, jwks = key_files
    assert pem.stat().st_mode & 0o777 == 0o600
    assert json.loads(jwks.read_text())["keys"][0]["crv"] == "Ed25519"


def test_keygen_never_overwrites_a_key(key_files: tuple[Path, Path]) -> None:
    pem, jwks = key_files
    before = pem.read_bytes()
    result = run("trace", "keygen", str(pem), str(jwks.with_name("other.jwks")))
    assert result.exit_code == 2 and "already exists" in result.output
    assert pem.read_bytes() == before


def test_verify_exits_0_on_a_valid_trace(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    pem, jwks = key_files
    result = run("trace", "verify", str(_trace(tmp_path, pem)), "-k", str(jwks))
    assert result.exit_code == 0, result.output
    assert "valid trace: 6 entries, 2 checkpoints" in result.output


def test_verify_exits_1_with_the_seq_and_the_reason(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    pem, jwks = key_files
    path = _trace(tmp_path, pem)
    content = path.read_bytes().splitlines(keepends=True)
    del content[2]
    path.write_bytes(b"".join(content))
    result = run("trace", "verify", str(path), "-k", str(jwks))
    assert result.exit_code == 1
    assert "tampered trace: seq 2: deleted entry" in result.output


def test_verify_as_json_names_the_failure(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    pem, jwks = key_files
    path = _trace(tmp_path, pem)
    path.write_bytes(path.read_bytes()[:-10])
    result = run("trace", "verify", str(path), "-k", str(jwks), "-o", "json")
    assert result.exit_code == 1
    failure = json.loads(result.stdout)["failure"]
    assert (failure["reason"], failure["seq"]) == ("truncated last line", 5)


def test_verify_exits_2_on_a_missing_file(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    result = run("trace", "verify", str(tmp_path / "nope.jsonl"), "-k", str(key_files[1]))
    assert result.exit_code == 2 and "cannot read" in result.output


def test_verify_without_keys_is_a_usage_error(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    result = run("trace", "verify", str(_trace(tmp_path, key_files[0])))
    assert result.exit_code == 2 and "--keys" in result.output


def test_verify_with_another_key_exits_1_unknown_key(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    other = tmp_path / "other"
    other.mkdir()
    run("trace", "keygen", str(other / "k.pem"), str(other / "k.jwks"))
    result = run("trace", "verify", str(_trace(tmp_path, key_files[0])), "-k", str(other / "k.jwks"))
    assert result.exit_code == 1 and "unknown key" in result.output


def test_audit_verify_checks_the_audit_log_the_same_way(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    pem, jwks = key_files
    path = _trace(tmp_path, pem)
    assert run("audit", "verify", str(path), "-k", str(jwks)).exit_code == 0
    content = path.read_bytes().splitlines(keepends=True)
    content[1], content[2] = content[2], content[1]
    path.write_bytes(b"".join(content))
    result = run("audit", "verify", str(path), "-k", str(jwks))
    assert result.exit_code == 1 and "tampered audit log: seq 1: swapped order" in result.output


def test_migrate_writes_a_verified_v2_trace(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    pem, jwks = key_files
    v1 = tmp_path / "v1.jsonl"
    v1.write_text('{"decision": "allow"}\n{"decision": "deny", "risk_level": "high"}\n')
    v2 = tmp_path / "v2.jsonl"
    result = run("trace", "migrate", str(v1), str(v2), "--signing-key", str(pem))
    assert result.exit_code == 0 and "migrated 2 v1 entries" in result.output
    assert run("trace", "verify", str(v2), "-k", str(jwks)).exit_code == 0


def test_migrating_a_v2_trace_exits_2_and_changes_nothing(
    tmp_path: Path, key_files: tuple[Path, Path]
) -> None:
    pem, _ = key_files
    path = _trace(tmp_path, pem)
    before = path.read_bytes()
    result = run("trace", "migrate", str(path), str(tmp_path / "out.jsonl"), "--signing-key", str(pem))
    assert result.exit_code == 2 and "already a v2 trace" in result.output
    assert path.read_bytes() == before and not (tmp_path / "out.jsonl").exists()


def test_a_proof_from_prove_passes_check_proof(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    pem, jwks = key_files
    path = _trace(tmp_path, pem)
    for args in (["--seq", "4"], ["--from-size", "3", "--to-size", "6"]):
        result = run("trace", "prove", str(path), *args)
        assert result.exit_code == 0, result.output
        proof = tmp_path / "proof.json"
        proof.write_text(result.stdout)
        checked = run("trace", "check-proof", str(proof), "-k", str(jwks))
        assert checked.exit_code == 0 and "holds" in checked.output


def test_a_changed_proof_fails_check_proof(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    pem, jwks = key_files
    path = _trace(tmp_path, pem)
    doc = json.loads(run("trace", "prove", str(path), "--seq", "4").stdout)
    doc["entry_hash"] = "00" * 32
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(doc))
    result = run("trace", "check-proof", str(proof), "-k", str(jwks))
    assert result.exit_code == 1 and "does not hold" in result.output


def test_prove_without_a_question_is_a_usage_error(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    result = run("trace", "prove", str(_trace(tmp_path, key_files[0])))
    assert result.exit_code == 2 and "--seq" in result.output


def test_repair_says_what_it_removed(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    pem, jwks = key_files
    path = _trace(tmp_path, pem)
    path.write_bytes(path.read_bytes() + b'{"half":')
    result = run("trace", "repair", str(path))
    assert result.exit_code == 0 and "removed the incomplete line 7 (8 bytes)" in result.output
    assert run("trace", "verify", str(path), "-k", str(jwks)).exit_code == 0


def test_the_trace_command_module_does_not_import_the_runtime() -> None:
    code = "import sys, sentinel.cli.trace; print(any(m.startswith('sentinel.runtime') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_missing_runtime_extra_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['rfc8785'] = None\n"  # what an install without the runtime extra looks like
        "from sentinel.cli import main\n"
        f"main(['trace', 'keygen', {str(tmp_path / 'k.pem')!r}, {str(tmp_path / 'k.jwks')!r}])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "Error: sentinel trace and sentinel audit need the runtime extra: "
        "pip install 'sentinel-policy[runtime]'"
    )
