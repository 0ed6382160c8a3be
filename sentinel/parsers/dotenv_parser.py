"""``.env`` files via python-dotenv, strict like conftest's (gotenv StrictParse).

conftest's gotenv expands ``${VAR}`` from earlier entries and then from the process
environment, which copies CI secrets into the document a policy (and its messages) can read.
Here ``${VAR}`` and ``${VAR:-default}`` resolve from entries earlier in the same file only; a
name the file does not define expands to its default, or to the empty string as an unset
variable does in gotenv. The environment is never read.
"""

from __future__ import annotations

import io
from typing import Any

from dotenv.parser import parse_stream
from dotenv.variables import parse_variables

from sentinel.parsers._common import fail, strip_bom


class DotenvParser:
    """``{NAME: "value"}``: quotes removed, ``export`` accepted, ``${VAR}`` expanded from earlier
    entries of the file. A line that is not ``NAME=value``, a comment or blank is an error
    (python-dotenv alone would skip it silently); the message gives the line number, never the
    line, which may hold a secret.
    """

    name = "dotenv"
    extensions: tuple[str, ...] = ("dotenv", "env")

    def parse(self, text: str, filename: str) -> Any:
        values: dict[str, str | None] = {}
        for binding in parse_stream(io.StringIO(strip_bom(text))):
            if binding.error or (binding.key is not None and binding.value is None):
                raise fail(filename, "invalid dotenv: expected NAME=value", binding.original.line)
            if binding.key is None:
                continue
            defined = {name: value for name, value in values.items() if value is not None}
            atoms = parse_variables(binding.value or "")
            values[binding.key] = "".join(atom.resolve(defined) for atom in atoms)
        return values
