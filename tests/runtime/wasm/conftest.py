"""The shipped decision policy and risk table built into signed Wasm bundles by the real OPA compiler,
once per session, with keys generated for the run."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sentinel.runtime.bundles.build import sign_bundle
from sentinel.runtime.bundles.signing import KeySet, load_signing_key
from sentinel.runtime.wasm import WasmDecider, WasmLimits
from sentinel.runtime.wasm.compile import build_wasm_bundle
from testsupport.processes import require_program

REPO = Path(__file__).resolve().parents[3]
DECISION_DIR = REPO / "policy-as-code" / "runtime" / "decision"
RISK_DIR = REPO / "policy-as-code" / "runtime" / "risk"
OPA_HINT = "make tools builds OPA v1.22.4 into .tools/bin"
DECISION_ENTRYPOINTS = ("sentinel/decision/deny", "sentinel/decision/warn")
RISK_ENTRYPOINT = "sentinel/risk/result"


@dataclass(frozen=True)
class Signer:
    private_pem: bytes
    public_pem: bytes

    def keys(self) -> KeySet:
        return KeySet.from_pem(self.public_pem, "ci")

    def sign(self, archive: bytes) -> bytes:
        return sign_bundle(archive, load_signing_key(self.private_pem, "ci"))[0]


def _signer() -> Signer:
    key = ec.generate_private_key(ec.SECP256R1())
    return Signer(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


@pytest.fixture(scope="session")
def opa() -> str:
    return require_program("opa", OPA_HINT)


@pytest.fixture(scope="session")
def signer() -> Signer:
    return _signer()


@pytest.fixture(scope="session")
def other_signer() -> Signer:
    return _signer()


@pytest.fixture(scope="session")
def decision_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped decision policy with its example data as the bundle's data.json."""
    src = tmp_path_factory.mktemp("decision-src")
    shutil.copy(DECISION_DIR / "decision.rego", src / "decision.rego")
    shutil.copy(DECISION_DIR / "data.example.json", src / "data.json")
    return src


@pytest.fixture(scope="session")
def decision_bundle(decision_src: Path, opa: str, signer: Signer) -> bytes:
    """The shipped decision policy as a signed Wasm bundle (revision r1)."""
    archive = build_wasm_bundle([decision_src], revision="r1", entrypoints=DECISION_ENTRYPOINTS, opa=opa)
    return signer.sign(archive)


@pytest.fixture(scope="session")
def risk_bundle(tmp_path_factory: pytest.TempPathFactory, opa: str, signer: Signer) -> bytes:
    src = tmp_path_factory.mktemp("risk-src")
    shutil.copy(RISK_DIR / "risk.rego", src / "risk.rego")
    return signer.sign(build_wasm_bundle([src], entrypoints=[RISK_ENTRYPOINT], opa=opa))


@pytest.fixture(scope="session")
def wasm_decider(decision_bundle: bytes, signer: Signer) -> Iterator[WasmDecider]:
    # A generous wall-clock limit: the shared machine must not turn a slow moment into a deny.
    decider = WasmDecider.from_bundle(
        decision_bundle, keys=signer.keys(), limits=WasmLimits(time_limit_ms=10_000)
    )
    yield decider
    decider.close()
