"""Never a crash: any corruption of a signed bundle is refused with a BundleError or reads unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.runtime.bundles.build import build_bundle, sign_bundle
from sentinel.runtime.bundles.errors import BundleError
from sentinel.runtime.bundles.reader import Bundle, read_bundle
from sentinel.runtime.bundles.signing import KeySet, load_signing_key
from tests.runtime.bundles.conftest import private_pem, public_pem, write_policies


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, ec_key: Any) -> tuple[bytes, KeySet, Bundle]:
    src = write_policies(Path(tmp_path_factory.mktemp("fuzz")) / "src")
    archive, _ = sign_bundle(build_bundle([src]), load_signing_key(private_pem(ec_key)))
    keys = KeySet.from_pem(public_pem(ec_key))
    return archive, keys, read_bundle(archive, keys=keys)


@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8))
def test_corrupted_bytes_are_refused_or_read_unchanged(
    signed: tuple[bytes, KeySet, Bundle], edits: list[tuple[int, int]]
) -> None:
    archive, keys, original = signed
    data = bytearray(archive)
    for position, value in edits:
        data[position % len(data)] = value
    try:
        result = read_bundle(bytes(data), keys=keys)
    except BundleError:
        return
    assert result.constitution_hash == original.constitution_hash


@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_are_refused_without_a_crash(data: bytes) -> None:
    with pytest.raises(BundleError):
        read_bundle(b"\x1f\x8b" + data)
