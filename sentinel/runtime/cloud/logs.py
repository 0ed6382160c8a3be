"""A logger for ``websockets`` that never writes the bearer token.

At DEBUG level ``websockets`` logs every handshake header (``> Authorization: Bearer ...``); a
service that turns on debug logging must not leak its token to the log pipeline. The adapter replaces
the value of credential headers before the record is made.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
REDACTED = "[redacted]"


class RedactingAdapter(logging.LoggerAdapter):
    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if len(args) >= 2 and isinstance(args[0], str) and args[0].lower() in SECRET_HEADERS:
            args = (args[0], REDACTED, *args[2:])
        super().log(level, msg, *args, **kwargs)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        return msg, kwargs


def websockets_logger() -> RedactingAdapter:
    return RedactingAdapter(logging.getLogger("websockets.client"), {})
