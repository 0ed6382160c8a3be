"""Small Wasm modules written by hand (WAT, compiled with ``wasmtime.wat2wasm``) that speak just
enough of OPA's Wasm ABI to load, so each test can make one part of an evaluation misbehave.

A value is the address of NUL-terminated JSON text: ``opa_json_parse`` copies the text onto the
heap and ``opa_json_dump`` returns the address it is given. The one entry point,
``sentinel/decision/deny`` (id 0), runs ``eval_body``, which leaves the result's address on the stack.
"""

from __future__ import annotations

import wasmtime

ALLOW = "(i32.const 256)"  # [{"result":[]}]: no deny reason
LOOP_FOREVER = "(loop $spin (br $spin)) (unreachable)"
GROW_FOREVER = "(loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 64)) (i32.const -1)))) (unreachable)"
TRAP = "(unreachable)"


def opa_module(eval_body: str = ALLOW, *, builtins: str = "{}", extra_imports: str = "") -> bytes:
    """A module with OPA's exports whose ``opa_eval`` runs ``eval_body``."""
    builtins_json = builtins.replace('"', '\\"')
    wat = f"""
(module
  (import "env" "memory" (memory 2))
  (import "env" "opa_abort" (func $abort (param i32)))
  {extra_imports}
  (global $heap (mut i32) (i32.const 65536))
  (global (export "opa_wasm_abi_version") i32 (i32.const 1))
  (global (export "opa_wasm_abi_minor_version") i32 (i32.const 2))
  (data (i32.const 16) "{{\\"sentinel/decision/deny\\":0}}\\00")
  (data (i32.const 128) "{builtins_json}\\00")
  (data (i32.const 256) "[{{\\"result\\":[]}}]\\00")
  (func $malloc (export "opa_malloc") (param $n i32) (result i32)
    (local $at i32) (local $end i32)
    (local.set $at (global.get $heap))
    (local.set $end (i32.and (i32.add (i32.add (local.get $at) (local.get $n)) (i32.const 8))
                             (i32.const -8)))
    (block $enough
      (br_if $enough (i32.le_u (local.get $end) (i32.mul (memory.size) (i32.const 65536))))
      (br_if $enough (i32.ne (memory.grow
        (i32.add (i32.div_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
                            (i32.const 65536)) (i32.const 1))) (i32.const -1)))
      (unreachable))
    (global.set $heap (local.get $end))
    (local.get $at))
  (func (export "opa_free") (param i32))
  (func (export "opa_json_parse") (param $addr i32) (param $len i32) (result i32)
    (local $copy i32)
    (local.set $copy (call $malloc (i32.add (local.get $len) (i32.const 1))))
    (memory.copy (local.get $copy) (local.get $addr) (local.get $len))
    (i32.store8 (i32.add (local.get $copy) (local.get $len)) (i32.const 0))
    (local.get $copy))
  (func (export "opa_json_dump") (param i32) (result i32) (local.get 0))
  (func (export "opa_heap_ptr_get") (result i32) (global.get $heap))
  (func (export "opa_heap_ptr_set") (param i32) (global.set $heap (local.get 0)))
  (func (export "entrypoints") (result i32) (i32.const 16))
  (func (export "builtins") (result i32) (i32.const 128))
  (func (export "opa_eval") (param i32 i32 i32 i32 i32 i32 i32) (result i32)
    {eval_body})
)
"""
    return wasmtime.wat2wasm(wat)
