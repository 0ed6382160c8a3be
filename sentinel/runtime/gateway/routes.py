"""Route templates: the bounded ``route`` label of metrics and the ``route`` a policy sees.

A path is matched against templates such as ``/v1/items/{id}``; a path no template matches is
``unmatched`` (the label set stays bounded whatever paths an attacker sends).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

UNMATCHED = "unmatched"
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(:path)?\}")


def _compile(template: str) -> re.Pattern[str]:
    if not template.startswith("/"):
        raise ValueError(f"route template {template!r} must start with '/'")
    pattern = ""
    last = 0
    for match in _PARAM.finditer(template):
        pattern += re.escape(template[last : match.start()])
        pattern += ".+" if match.group(2) else "[^/]+"
        last = match.end()
    pattern += re.escape(template[last:])
    return re.compile(pattern)


class RouteTable:
    """The first template that matches a path, in the order given."""

    def __init__(self, templates: Sequence[str] = ()) -> None:
        self._routes = [(template, _compile(template)) for template in templates]

    def label(self, path: str) -> str:
        for template, pattern in self._routes:
            if pattern.fullmatch(path):
                return template
        return UNMATCHED
