"""Why a Wasm policy was refused at load time (each refusal with a stable ``reason`` code)."""

from __future__ import annotations

from sentinel.errors import PolicyError


class WasmLoadError(PolicyError):
    """The module or its bundle cannot be served: ``reason`` is ``not_wasm``, ``not_opa_module``,
    ``missing_import``, ``missing_builtin``, ``no_wasm``, ``several_modules``, ``bad_data``,
    ``unsigned`` or a bundle refusal code (``digest_mismatch``...)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason

    def __reduce__(self) -> tuple[type[WasmLoadError], tuple[str, str]]:  # type: ignore[override]
        return (type(self), (self.reason, self.message.partition(": ")[2]))
