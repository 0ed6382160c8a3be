"""Text-format protobuf messages (``.textproto``, ``.textpb``) as conftest reads them.

The message type comes from the file's ``# proto-message: pkg.Message`` comment and its schema from
the ``.proto`` files under ``--proto-file-dirs``; the document is the message's JSON form with the
field names of the ``.proto`` (protojson with ``UseProtoNames``: 64-bit integers as strings, enums
by name, bytes in base64, fields at their default value left out).

The ``.proto`` files are repository content: they are compiled by
:mod:`sentinel.extractors.proto.descriptors`, whose protoc runner passes every path as an absolute path
so that no file name can be read as a protoc option, and runs protoc in a child process. Each
folder is its own include root, so an ``import`` resolves relative to the folder it was given in.
Symlinked ``.proto`` files are not read.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pool, json_format, message_factory, text_format

from sentinel.errors import ParseError, UsageError
from sentinel.parsers._common import excerpt, fail, strip_bom

MAX_PROTO_FILES = 10_000
# conftest's pattern, searched on each line in turn.
_MESSAGE_TYPE = re.compile(r"#\s+proto-message:\s+([a-zA-Z0-9.]+)")
_TEXT_POSITION = re.compile(r"^(\d+):(\d+) : ")


def _proto_files(folder: str) -> list[str]:
    """The ``.proto`` files under ``folder`` as import paths, sorted; symlinks are skipped."""
    names: list[str] = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(current, d)))
        for file in sorted(files):
            path = os.path.join(current, file)
            if file.endswith(".proto") and not os.path.islink(path):
                names.append(os.path.relpath(path, folder).replace(os.sep, "/"))
        if len(names) > MAX_PROTO_FILES:
            raise UsageError(f"--proto-file-dirs: {folder} holds over {MAX_PROTO_FILES} .proto files")
    return names


def load_pool(folders: Sequence[str]) -> descriptor_pool.DescriptorPool:
    """A descriptor pool with every message defined under ``folders``; ParseError naming the
    ``.proto`` file and line on a compile error, UsageError when a folder does not exist."""
    from sentinel.extractors.proto.descriptors import compile_files

    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()
    for folder in folders:
        if not os.path.isdir(folder):
            raise UsageError(f"--proto-file-dirs: {folder} is not a folder")
        names = _proto_files(folder)
        if not names:
            continue
        result = compile_files(Path(folder).resolve(), names, ["."])
        for name, errors in sorted(result.errors.items()):
            first = errors[0]
            raise fail(os.path.join(folder, name), f"invalid .proto: {first.message}", first.line)
        for file in result.files:
            if file.name in added:
                continue
            try:
                pool.Add(file)
            except (TypeError, ValueError) as exc:
                raise fail(os.path.join(folder, file.name), f"cannot load .proto: {exc}") from None
            added.add(file.name)
    return pool


def _message_type(text: str, filename: str) -> str:
    for line in text.splitlines():
        found = _MESSAGE_TYPE.search(line)
        if found:
            return found.group(1)
    raise fail(filename, "invalid textproto: no '# proto-message: <type>' comment names the message type")


class TextprotoParser:
    """Text-format protobuf in conftest's shape (see the module docstring)."""

    name = "textproto"
    extensions: tuple[str, ...] = ("textproto", "textpb")

    def __init__(self, proto_file_dirs: Sequence[str] = ()) -> None:
        self.proto_file_dirs = tuple(proto_file_dirs)
        self._pool: descriptor_pool.DescriptorPool | None = None
        self._lock = threading.Lock()

    def pool(self) -> descriptor_pool.DescriptorPool:
        """The messages under ``--proto-file-dirs``, compiled once per parser."""
        with self._lock:
            if self._pool is None:
                self._pool = load_pool(self.proto_file_dirs)
            return self._pool

    def parse(self, text: str, filename: str) -> Any:
        text = strip_bom(text)
        type_name = _message_type(text, filename)
        if not self.proto_file_dirs:
            raise ParseError(
                f"textproto message {excerpt(type_name)} needs its .proto definition: pass "
                "--proto-file-dirs with the folders that hold the .proto files", file=filename,
            )
        pool = self.pool()
        try:
            descriptor = pool.FindMessageTypeByName(type_name)
        except KeyError:
            message = f"message type {excerpt(type_name)} is not defined under --proto-file-dirs"
            raise fail(filename, message) from None
        message = message_factory.GetMessageClass(descriptor)()
        try:
            text_format.Parse(text, message, descriptor_pool=pool)
        except text_format.ParseError as exc:
            detail = _TEXT_POSITION.sub("", str(exc).splitlines()[0] if str(exc) else "syntax error")
            raise fail(filename, f"invalid textproto: {excerpt(detail, 80)}", exc.GetLine()) from None
        return json_format.MessageToDict(message, preserving_proto_field_name=True)
