"""Jsonnet, evaluated with the official ``jsonnet`` bindings."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import _jsonnet

from sentinel.parsers._common import fail, strip_bom


class JsonnetParser:
    """The JSON a Jsonnet file evaluates to. Imports resolve relative to the file's folder, as
    conftest sets up its Jsonnet VM.
    """

    name = "jsonnet"
    extensions: tuple[str, ...] = ("jsonnet",)

    def parse(self, text: str, filename: str) -> Any:
        folder = os.path.dirname(os.path.abspath(filename)) if filename != "-" else os.getcwd()
        try:
            output = _jsonnet.evaluate_snippet(filename, strip_bom(text), jpathdir=[folder])
        except RuntimeError as exc:
            raise _error(filename, str(exc)) from None
        return json.loads(output)


def _error(filename: str, message: str) -> Exception:
    first = message.strip().splitlines()[0] if message.strip() else "evaluation failed"
    located = re.search(re.escape(filename) + r":(\d+):\d+", message)
    first = re.sub(re.escape(filename) + r":[\d:()\-]+:?\s*", "", first)
    return fail(filename, f"invalid Jsonnet: {first}", int(located.group(1)) if located else None)
