"""Jsonnet, evaluated with the official ``jsonnet`` bindings in a limited child process.

Evaluation runs through :mod:`sentinel.parsers._sandbox` (time and memory limits, no
environment), since ``std.range(0, 1e8)`` exhausts memory and exponential recursion never ends.
``import``, ``importstr`` and ``importbin`` go through an import callback that reads only regular
files inside the input's folder (the working directory for standard input): absolute paths,
``..`` and symlinks that lead outside it are refused, so ``importstr "/proc/self/environ"``
cannot read the process environment or any other file.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from typing import Any

import _jsonnet

from sentinel.errors import ParseError
from sentinel.parsers import _sandbox
from sentinel.parsers._common import excerpt, fail, strip_bom

MAX_IMPORT_BYTES = 16 * 1024 * 1024
MAX_STACK = 500


class JsonnetParser:
    """The JSON a Jsonnet file evaluates to. Imports resolve relative to the importing file, as
    conftest sets up its Jsonnet VM, and must stay inside the input's folder.
    """

    name = "jsonnet"
    extensions: tuple[str, ...] = ("jsonnet",)

    def parse(self, text: str, filename: str) -> Any:
        root = os.path.dirname(os.path.abspath(filename)) if filename != "-" else os.getcwd()
        return _sandbox.run("jsonnet", text, filename, root)


def _importer(root: str) -> Callable[[str, str], tuple[str, bytes]]:
    """The import callback: ``(importing folder, path as written)`` to ``(path, content)``."""
    real_root = os.path.realpath(root)

    def load(base: str, rel: str) -> tuple[str, bytes]:
        if os.path.isabs(rel):
            raise RuntimeError("absolute import paths are not allowed")
        found = os.path.join(base or root, rel)
        real = os.path.realpath(found)
        if os.path.commonpath([real, real_root]) != real_root:
            raise RuntimeError("imports must stay inside the folder of the input")
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb", buffering=0) as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise RuntimeError("imports must be regular files")
            data = handle.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise RuntimeError(f"imported file is over {MAX_IMPORT_BYTES} bytes")
        return found, data

    return load


def evaluate(text: str, filename: str, root: str) -> Any:
    """Evaluate in the sandbox child (see :mod:`sentinel.parsers._sandbox`)."""
    try:
        output = _jsonnet.evaluate_snippet(filename, strip_bom(text), import_callback=_importer(root),
                                           max_stack=MAX_STACK)
    except RuntimeError as exc:
        raise _error(filename, str(exc)) from None
    value: Any = json.loads(output)
    return value


_IMPORT_FAILED = re.compile(r"couldn't open import (\"(?:[^\"\\\\]|\\\\.)*\"): (.*)")


def _error(filename: str, message: str) -> ParseError:
    first = message.strip().splitlines()[0] if message.strip() else "evaluation failed"
    located = re.search(re.escape(filename) + r":(\d+):\d+", message)
    first = re.sub(re.escape(filename) + r":[\d:()\-]+:?\s*", "", first)
    kind, _, detail = first.partition(" ERROR: ")
    if not detail:
        kind, detail = "", first
    imported = _IMPORT_FAILED.match(detail)
    if imported:
        detail = f"cannot import {imported.group(1)}: {imported.group(2)}"
    elif kind != "STATIC":
        # A runtime error's text is the program's own (`error "..."`), so it may be input.
        detail = excerpt(detail)
    prefix = f"{kind} ERROR: " if kind else ""
    return fail(filename, f"invalid Jsonnet: {prefix}{excerpt(detail, 120)}",
                int(located.group(1)) if located else None)
