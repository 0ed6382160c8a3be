"""Policies compiled to WebAssembly (``opa build -t wasm``), evaluated in a sandbox: bounded time and
memory, a pool of instances, deny on any failure. See docs/wasm.md."""

from __future__ import annotations

from sentinel.runtime.wasm.decider import WasmDecider, WasmLimits
from sentinel.runtime.wasm.errors import WasmLoadError

__all__ = ["WasmDecider", "WasmLimits", "WasmLoadError"]
