"""Our file digests against OPA's own (`opa sign` hashes every data file), for random JSON and YAML."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentinel.runtime.bundles.hashing import file_digest
from tests.runtime.bundles.conftest import private_pem
from testsupport.processes import require_program

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def opa() -> str:
    return require_program("opa", "run `make tools` to build OPA v1.22.4 from the Go module proxy")


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cryptography.hazmat.primitives.asymmetric import ec

    path = Path(tmp_path_factory.mktemp("key")) / "private.pem"
    path.write_bytes(private_pem(ec.generate_private_key(ec.SECP256R1())))
    return path


def opa_digests(opa: str, key: Path, files: dict[str, bytes]) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, content in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(content)
        result = subprocess.run(
            [opa, "sign", "--signing-key", str(key), "--signing-alg", "ES256", "--bundle", ".",
             "--output-file-path", "."],
            cwd=root, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        token = json.loads((root / ".signatures.json").read_text())["signatures"][0]
    claims = jwt.decode(token, options={"verify_signature": False})
    return {f["name"]: f["hash"] for f in claims["files"]}


@settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(values=st.lists(VALUES, min_size=15, max_size=15), ascii_only=st.booleans())
def test_json_and_yaml_digests_equal_opas(
    opa: str, signing_key: Path, values: list[Any], ascii_only: bool
) -> None:
    files: dict[str, bytes] = {}
    for index, value in enumerate(values):
        document = {"v": value}
        files[f"j{index}/data.json"] = json.dumps(
            document, ensure_ascii=ascii_only, indent=index % 3
        ).encode()
        files[f"y{index}/data.yaml"] = yaml.safe_dump(document, allow_unicode=not ascii_only).encode()
    theirs = opa_digests(opa, signing_key, files)
    ours = {name: file_digest(name, content) for name, content in files.items()}
    assert ours == theirs
