"""``sentinel eval``: evaluate one document path as OPA's data API does (``POST /v1/data/{path}``).

Prints ``{"result": ...}`` (no ``result`` key when the path is undefined) and exits 0; any error
(no policy, a policy that does not compile, an input that is not JSON, an evaluation error) is one
line on stderr and exit 2. Runtime modules are imported inside the command: ``sentinel`` without
the ``[runtime]`` extra still starts, and this command then says what to install.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sentinel.errors import ParseError, PolicyError, UsageError

if TYPE_CHECKING:
    from sentinel.runtime.decision.decider import Decider

MAX_INPUT_BYTES = 16 * 1024 * 1024
EXTRA_HINT = "sentinel eval needs the runtime extra: pip install 'sentinel-policy[runtime]'"


@click.command("eval")
@click.option(
    "-p", "--policy", multiple=True, help="Policy folder or .rego file (repeatable); or give --bundle."
)
@click.option("-b", "--bundle", default=None, help="An OPA bundle (.tar.gz) holding policies and data.")
@click.option("-d", "--data", multiple=True, help="Data folder or file, JSON or YAML (repeatable).")
@click.option("-i", "--input", "input_file", default=None, help="JSON file whose document is `input`.")
@click.option(
    "--decision",
    default="sentinel.decision",
    show_default=True,
    help="Decision package (its deny/warn rules run compiled).",
)
@click.option("--wasm", is_flag=True, help="Evaluate the bundle's policy.wasm (built with --target wasm).")
@click.argument("path")
def eval_command(
    policy: tuple[str, ...],
    bundle: str | None,
    data: tuple[str, ...],
    input_file: str | None,
    decision: str,
    wasm: bool,
    path: str,
) -> None:
    """Evaluate PATH (authz/allow, sentinel/decision) and print {"result": ...} as OPA's data API.

    Exit 0 with the result ({} when PATH is undefined), 2 on any error.
    """
    if bool(policy) == bool(bundle):
        raise UsageError("give --policy (one or more) or --bundle, not both and not neither")
    if bundle and data:
        raise UsageError("a bundle carries its own data; --data goes with --policy")
    document = _read_input(input_file) if input_file else None
    try:
        from sentinel.runtime.decision.decider import Decider
        from sentinel.runtime.engine import EvaluationError
    except ImportError:
        raise UsageError(EXTRA_HINT) from None
    if wasm:
        if not bundle:
            raise UsageError("--wasm evaluates a bundle's policy.wasm: give --bundle FILE")
        from sentinel.runtime.wasm import WasmDecider

        decider: Any = WasmDecider.from_bundle(
            bundle, keys=None, require_signature=False, decision_package=decision
        )
    elif bundle:
        decider = _from_bundle(bundle, decision)
    else:
        decider = Decider.from_folder(
            [Path(p) for p in policy], [Path(d) for d in data], decision_package=decision
        )
    try:
        result = decider.query(_document_path(path), document)
    except EvaluationError as exc:
        raise PolicyError(f"cannot evaluate {path}: {exc}") from None
    body: dict[str, Any] = {"result": result.value} if result.defined else {}
    click.echo(opa_json(body))


# Go's encoding/json, which OPA's server answers with, escapes these inside strings (they never
# occur outside one in JSON text).
_GO_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def opa_json(document: Any) -> str:
    """JSON as OPA's data API writes it: compact, keys sorted, UTF-8, Go's HTML escapes."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).translate(
        _GO_ESCAPES
    )


def _from_bundle(bundle: str, decision: str) -> Decider:
    """The bundle's policies and data (read and checked, not signature-verified: ``opa eval -b``)."""
    from sentinel.runtime.bundles.reader import read_bundle
    from sentinel.runtime.decision.decider import Decider

    loaded = read_bundle(bundle)
    return Decider.from_modules(
        loaded.modules,
        loaded.data,
        revision=loaded.manifest.revision,
        constitution_hash=loaded.constitution_hash,
        decision_package=decision,
    )


def _document_path(path: str) -> str:
    """``a/b/c``; OPA's ``data.a.b.c`` is accepted too (its parts then cannot hold dots)."""
    if path == "data" or path.startswith("data."):
        return "/".join(path.split(".")[1:])
    return path.strip("/")


def _read_input(name: str) -> Any:
    source = Path(name)
    try:
        with source.open("rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read input: {exc.strerror or exc}", file=name) from None
    if len(raw) > MAX_INPUT_BYTES:
        raise ParseError(f"input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB", file=name)
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise ParseError("input is not JSON", file=name, line=line) from None


def _no_constant(literal: str) -> Any:
    raise ValueError(f"{literal} is not JSON")
