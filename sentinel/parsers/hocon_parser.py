"""HOCON (Typesafe/Lightbend config) via pyhocon, evaluated in a limited child process.

pyhocon resolves an unresolved ``${VAR}`` from the process environment and reads any file an
``include`` names (``include file("/etc/passwd")``, ``include "../../secrets.conf"``). Here:

- parsing runs through :mod:`sentinel.parsers._sandbox`, whose child has an empty environment and
  time and memory limits; substitutions resolve only within the document: ``${HOME}`` is an error
  naming the variable, and an optional ``${?HOME}`` is conftest's placeholder for an unresolved one,
  the string ``"<<unknown value>>"`` (conftest reads the environment there; we never do);
- in that child (and only there) pyhocon's file loader is wrapped so that an include, nested ones
  too, reads only regular files inside the input's folder; ``include url(...)`` and
  ``include package(...)`` are refused, since parsing must not reach the network or run code.
"""

from __future__ import annotations

import os
import re
import stat
from typing import Any

from sentinel.parsers import _sandbox
from sentinel.parsers._common import excerpt, fail, jsonable, line_in, strip_bom

_URL_INCLUDE = re.compile(r"\binclude\s+(?:required\s*\(\s*)?(?:url\s*\(|\"(?:https?|file)://)")
_SUBSTITUTION = re.compile(r"\$\{([^}]*)\}")


class HoconParser:
    """The resolved HOCON tree with its real types (numbers, booleans, lists, objects).

    ``include "file"`` resolves relative to the including file's folder and must stay inside the
    input's folder; environment variables are never read.
    """

    name = "hocon"
    extensions: tuple[str, ...] = ("hocon",)

    def parse(self, text: str, filename: str) -> Any:
        text = strip_bom(text)
        url_include = _URL_INCLUDE.search(text)
        if url_include:
            line = text.count("\n", 0, url_include.start()) + 1
            raise fail(filename, "invalid HOCON: URL includes are not supported", line)
        root = os.path.dirname(os.path.abspath(filename)) if filename != "-" else os.getcwd()
        return _sandbox.run("hocon", text, filename, root)


def _confine_includes(root: str) -> None:
    """Wrap pyhocon's loaders so includes read only regular files under ``root``. Called once in the
    sandbox child, a process that parses this one input and exits."""
    from pyhocon import ConfigFactory, ConfigParser
    from pyhocon.exceptions import ConfigException

    real_root = os.path.realpath(root)
    load_file = ConfigFactory.parse_file

    def parse_file(filename: str, *args: Any, **kwargs: Any) -> Any:
        real = os.path.realpath(filename)
        if os.path.commonpath([real, real_root]) != real_root:
            raise ConfigException("includes must stay inside the folder of the input")
        if os.path.exists(real) and not stat.S_ISREG(os.stat(real).st_mode):
            raise ConfigException("includes must be regular files")
        return load_file(filename, *args, **kwargs)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise ConfigException("URL and package includes are not supported")

    setattr(ConfigFactory, "parse_file", parse_file)  # noqa: B010
    setattr(ConfigFactory, "parse_URL", refuse)  # noqa: B010
    setattr(ConfigParser, "resolve_package_path", refuse)  # noqa: B010


UNKNOWN_VALUE = "<<unknown value>>"


def _document_only_substitutions() -> None:
    """Resolve ``${path}`` from the document only, never the environment. An optional one that is
    not in the document becomes :data:`UNKNOWN_VALUE`, as in conftest (go-akka/configuration).
    Called once in the sandbox child."""
    from pyhocon import ConfigParser
    from pyhocon.exceptions import ConfigMissingException, ConfigSubstitutionException
    from pyparsing import col, lineno

    def resolve_variable(_cls: Any, config: Any, substitution: Any) -> tuple[bool, Any]:
        try:
            return True, config.get(substitution.variable)
        except ConfigMissingException:
            if substitution.optional:
                return True, UNKNOWN_VALUE
            line = lineno(substitution.loc, substitution.instring)
            column = col(substitution.loc, substitution.instring)
            raise ConfigSubstitutionException(
                f"Cannot resolve variable ${{{substitution.variable}}}: it is not defined in the "
                f"document, and environment variables are never read (line: {line}, col: {column})"
            ) from None

    setattr(ConfigParser, "_resolve_variable", classmethod(resolve_variable))  # noqa: B010


def _clean(message: str) -> str:
    message = re.sub(r"\s*\(line: ?\d+, col: \d+\)", "", message)
    return _SUBSTITUTION.sub(lambda found: "${" + excerpt(found.group(1)) + "}", message)


def evaluate(text: str, filename: str, root: str) -> Any:
    """Parse and resolve in the sandbox child (see :mod:`sentinel.parsers._sandbox`)."""
    import pyparsing
    from pyhocon import ConfigFactory, ConfigTree
    from pyhocon.exceptions import ConfigException

    _confine_includes(root)
    _document_only_substitutions()
    try:
        tree = ConfigFactory.parse_string(text, basedir=root)
    except pyparsing.ParseBaseException as exc:
        # pyparsing's message spells out its whole grammar; the position is what helps.
        expected = exc.msg if len(exc.msg) <= 60 else "syntax error"
        raise fail(filename, f"invalid HOCON: {expected} (column {exc.col})", exc.lineno) from None
    except (ConfigException, OSError) as exc:
        line = line_in(str(exc), r"\(line: ?(\d+)")
        raise fail(filename, f"invalid HOCON: {excerpt(_clean(str(exc)), 120)}", line) from None
    plain = tree.as_plain_ordered_dict() if isinstance(tree, ConfigTree) else tree
    try:
        return jsonable(plain)
    except ValueError as exc:
        raise fail(filename, f"invalid HOCON: {exc}") from None
