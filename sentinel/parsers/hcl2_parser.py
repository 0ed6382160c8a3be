"""HCL2 (Terraform .tf/.tfvars, Packer, Nomad) via python-hcl2, reshaped to conftest's layout.

conftest converts HCL2 the way hcl2json does: a block becomes nested objects keyed by its type
and then each label, ending in a list of block bodies; expressions that are not literals become
``"${...}"`` strings. python-hcl2 nests blocks differently (a list at the block type), so the
tree is reshaped here; Terraform policies written for conftest (``input.resource.aws_s3_bucket.b``)
then read the same paths.
"""

from __future__ import annotations

from typing import Any

import hcl2
import lark
from hcl2.utils import SerializationOptions

from sentinel.parsers._common import fail, jsonable, strip_bom

_OPTIONS = SerializationOptions(
    with_comments=False,
    with_meta=False,
    explicit_blocks=True,
    strip_string_quotes=True,
    preserve_heredocs=False,
)
_BLOCK = "__is_block__"


def _unwrap(item: Any) -> tuple[list[str], dict[str, Any]] | None:
    """(labels, body) when ``item`` is one block as python-hcl2 writes it, else None."""
    labels: list[str] = []
    while isinstance(item, dict):
        if item.get(_BLOCK) is True:
            return labels, item
        if len(item) != 1:
            return None
        (label, item), = item.items()
        labels.append(label)
    return None


def _blocks(value: Any) -> list[tuple[list[str], dict[str, Any]]] | None:
    if not isinstance(value, list) or not value:
        return None
    found = [_unwrap(item) for item in value]
    if any(f is None for f in found):
        return None
    return [f for f in found if f is not None]


def _body(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key.startswith("__") and key.endswith("__"):
            continue
        blocks = _blocks(value)
        if blocks is None:
            out[key] = value
            continue
        for labels, body in blocks:
            _add_block(out, key, labels, _body(body))
    return out


def _add_block(out: dict[str, Any], block_type: str, labels: list[str], body: dict[str, Any]) -> None:
    target, key = out, block_type
    for label in labels:
        inner = target.get(key)
        if inner is None:
            inner = target[key] = {}
        elif not isinstance(inner, dict):
            raise ValueError(f"cannot convert block {block_type}.{'.'.join(labels)}")
        target, key = inner, label
    current = target.get(key)
    if current is None:
        target[key] = [body]
    elif isinstance(current, list):
        current.append(body)
    else:
        target[key] = [current, body]


def _message(exc: lark.exceptions.UnexpectedInput) -> str:
    if isinstance(exc, lark.exceptions.UnexpectedToken):
        if exc.token.type == "$END":
            return "unexpected end of file"
        return f"unexpected {str(exc.token).strip()!r}"
    if isinstance(exc, lark.exceptions.UnexpectedCharacters):
        return f"unexpected character {exc.char!r}"
    return "unexpected end of file"


class Hcl2Parser:
    """HCL2 in conftest's (hcl2json's) shape."""

    name = "hcl2"
    extensions: tuple[str, ...] = ("hcl2", "hcl", "tf", "tfvars")

    def parse(self, text: str, filename: str) -> Any:
        try:
            raw = hcl2.loads(strip_bom(text), serialization_options=_OPTIONS)
        except lark.exceptions.UnexpectedInput as exc:
            line = exc.line if isinstance(exc.line, int) and exc.line > 0 else None
            raise fail(filename, f"invalid HCL2: {_message(exc)}", line) from None
        except lark.exceptions.LarkError as exc:
            raise fail(filename, f"invalid HCL2: {str(exc).splitlines()[0]}") from None
        try:
            return jsonable(_body(raw))
        except ValueError as exc:
            raise fail(filename, f"invalid HCL2: {exc}") from None
