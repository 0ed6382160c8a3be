"""Run an evaluating parser (Jsonnet, HOCON) in a child process with limits.

Jsonnet is a programming language and HOCON resolves includes and substitutions: a hostile file
can loop forever, allocate until the machine swaps, or read files and the environment. The C++
Jsonnet evaluator cannot be interrupted from a Python thread, so each such file is evaluated in a
fresh child (``python -I -m sentinel.parsers._sandbox``) that:

- starts with an empty environment, so nothing can copy CI secrets into the document;
- caps its address space (:data:`MEMORY_LIMIT`) and CPU time, and is killed after
  :data:`TIME_LIMIT` seconds of wall time (``SENTINEL_PARSER_TIME_LIMIT`` sets another);
- gets the folder it may read files from (``root``); the format module confines its imports or
  includes to it.

The protocol is one JSON request on stdin (``task``, ``text``, ``filename``, ``root``,
``max_output``, ``time_limit``) and one JSON reply on stdout: ``{"value": ...}`` or
``{"error": ..., "line": ...}``.
A task is a module ``sentinel.parsers.<task>_parser`` with a function ``evaluate(text, filename,
root)`` that returns JSON values or raises ParseError.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
from typing import Any

from sentinel.errors import ParseError, UsageError
from sentinel.parsers._common import fail

MEMORY_LIMIT = 1024 * 1024 * 1024
TIME_LIMIT = 10.0
TIME_LIMIT_ENV = "SENTINEL_PARSER_TIME_LIMIT"
MAX_OUTPUT = 64 * 1024 * 1024
_TASKS = ("hocon", "jsonnet")


def run(task: str, text: str, filename: str, root: str, max_output: int = MAX_OUTPUT) -> Any:
    """Evaluate ``text`` with ``task`` in a limited child process; ParseError on any failure."""
    limit = time_limit()
    request = json.dumps({"task": task, "text": text, "filename": filename, "root": root,
                          "max_output": max_output, "time_limit": limit}).encode("utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-m", __name__], input=request, capture_output=True,
            timeout=limit, env={}, cwd=root, check=False,
        )
    except subprocess.TimeoutExpired:
        raise ParseError(f"evaluation took longer than {limit:g} seconds", file=filename) from None
    except OSError as exc:
        raise ParseError(f"cannot start the evaluator: {exc.strerror or exc}", file=filename) from None
    try:
        reply = json.loads(done.stdout)
    except ValueError:
        reply = None
    if not isinstance(reply, dict) or ("value" not in reply and "error" not in reply):
        raise ParseError(_crash_message(done.returncode), file=filename)
    if "error" in reply:
        line = reply.get("line")
        # The child masks its messages (``fail``); masking again here keeps that true at the boundary.
        raise fail(filename, str(reply["error"]), line if isinstance(line, int) else None)
    return reply["value"]


def time_limit() -> float:
    """Seconds a child may run: ``SENTINEL_PARSER_TIME_LIMIT`` or :data:`TIME_LIMIT`."""
    raw = os.environ.get(TIME_LIMIT_ENV)
    if raw is None:
        return TIME_LIMIT
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise UsageError(f"{TIME_LIMIT_ENV} must be a number of seconds between 0 and 3600")
    return value


def _crash_message(returncode: int) -> str:
    if returncode < 0:
        return (f"evaluation was stopped by signal {-returncode} (over the "
                f"{MEMORY_LIMIT // (1024 * 1024)} MiB memory or CPU limit?)")
    return f"evaluation failed without a result (exit code {returncode}; out of memory?)"


def _limit(seconds: float) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    cpu = int(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _serve() -> int:
    request = json.loads(sys.stdin.buffer.read())
    task = request["task"]
    if task not in _TASKS:
        reply: dict[str, Any] = {"error": f"unknown sandbox task {task!r}"}
    else:
        module = importlib.import_module(f"sentinel.parsers.{task}_parser")
        _limit(float(request["time_limit"]))
        try:
            reply = {"value": module.evaluate(request["text"], request["filename"], request["root"])}
        except ParseError as exc:
            reply = {"error": exc.message, "line": exc.line}
        except MemoryError:
            reply = {"error": f"invalid {task}: out of memory (over {MEMORY_LIMIT // (1024 * 1024)} MiB)"}
        except RecursionError:
            reply = {"error": f"invalid {task}: nested too deeply"}
        except Exception as exc:  # a library bug must still give one clear error, not a traceback
            reply = {"error": f"invalid {task}: {type(exc).__name__}"}
    try:
        output = json.dumps(reply, allow_nan=False).encode("utf-8")
    except ValueError:
        reply = {"error": f"invalid {task}: a number has no JSON form (NaN or infinity)"}
        output = json.dumps(reply).encode()
    if len(output) > request["max_output"]:
        reply = {"error": f"invalid {task}: the result is over {request['max_output']} bytes"}
        output = json.dumps(reply).encode()
    sys.stdout.buffer.write(output)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    os.umask(0o077)
    sys.exit(_serve())
