"""Loading refuses, with a reason, every module or bundle that could not be served safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.errors import UsageError
from sentinel.runtime.bundles.archive import read_archive, write_archive
from sentinel.runtime.bundles.build import build_bundle
from sentinel.runtime.wasm import WasmDecider, WasmLoadError
from tests.runtime.wasm.conftest import Signer
from tests.runtime.wasm.modules import opa_module


def _reason(wasm: bytes) -> str:
    with pytest.raises(WasmLoadError) as caught:
        WasmDecider.from_wasm(wasm)
    return caught.value.reason


def test_bytes_that_are_not_wasm_are_refused() -> None:
    assert _reason(b"#!/bin/sh\necho hello\n") == "not_wasm"


def test_an_empty_module_file_is_refused() -> None:
    assert _reason(b"") == "not_wasm"


def test_a_truncated_module_is_refused() -> None:
    wasm = opa_module()
    assert _reason(wasm[: len(wasm) // 2]) == "not_wasm"


def test_a_module_importing_a_function_the_host_lacks_is_refused() -> None:
    wasm = opa_module(extra_imports='(import "env" "opa_open_socket" (func (param i32) (result i32)))')
    with pytest.raises(WasmLoadError) as caught:
        WasmDecider.from_wasm(wasm)
    assert caught.value.reason == "missing_import"
    assert "opa_open_socket" in str(caught.value)


def test_a_module_needing_a_builtin_the_host_cannot_compute_exactly_is_refused() -> None:
    with pytest.raises(WasmLoadError) as caught:
        WasmDecider.from_wasm(opa_module(builtins='{"http.send":0}'))
    assert caught.value.reason == "missing_builtin"
    assert "http.send" in str(caught.value)


def test_a_wasm_module_without_the_opa_abi_is_refused() -> None:
    import wasmtime

    assert _reason(wasmtime.wat2wasm('(module (func (export "main")))')) == "not_opa_module"


def test_a_bundle_signed_with_another_key_is_refused_before_its_module_is_loaded(
    decision_bundle: bytes, other_signer: Signer
) -> None:
    with pytest.raises(WasmLoadError) as caught:
        WasmDecider.from_bundle(decision_bundle, keys=other_signer.keys())
    assert caught.value.reason == "bad_signature"


def test_a_bundle_whose_module_was_replaced_after_signing_is_refused(
    decision_bundle: bytes, signer: Signer
) -> None:
    files = read_archive(decision_bundle)
    files["policy.wasm"] = opa_module()
    with pytest.raises(WasmLoadError) as caught:
        WasmDecider.from_bundle(write_archive(files), keys=signer.keys())
    assert caught.value.reason == "digest_mismatch"


def test_an_unsigned_bundle_is_refused_when_keys_are_given(decision_bundle: bytes, signer: Signer) -> None:
    files = read_archive(decision_bundle)
    del files[".signatures.json"]
    with pytest.raises(WasmLoadError) as caught:
        WasmDecider.from_bundle(write_archive(files), keys=signer.keys())
    assert caught.value.reason == "unsigned"


def test_serving_a_bundle_without_keys_is_a_usage_error(decision_bundle: bytes) -> None:
    with pytest.raises(UsageError, match="signature"):
        WasmDecider.from_bundle(decision_bundle, keys=None)


def test_a_bundle_without_a_wasm_module_is_refused(decision_src: Path, signer: Signer) -> None:
    archive = signer.sign(build_bundle([decision_src]))
    with pytest.raises(WasmLoadError) as caught:
        WasmDecider.from_bundle(archive, keys=signer.keys())
    assert caught.value.reason == "no_wasm"


def test_a_bundle_that_is_not_a_tar_gz_is_refused(signer: Signer) -> None:
    with pytest.raises(WasmLoadError):
        WasmDecider.from_bundle(b"\x1f\x8b" + b"\x00" * 64, keys=signer.keys())
