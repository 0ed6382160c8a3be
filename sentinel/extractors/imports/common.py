"""Records and options shared by the per-language import scanners."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sentinel.extractors.errors import ExtractorUsageError

# Direct HTTP/socket client calls worth knowing about, per language. A call matches a pattern
# when ``<call name> + "("`` starts with it, so ``"requests.get("`` matches ``requests.get(...)``
# and ``"fetch("`` matches ``fetch(...)`` but not ``fetcher(...)``. Python lists the calls that
# open a client or send a request, not the module prefixes: ``aiohttp.web`` is a server, and
# ``urllib.request.Request(...)`` or ``requests.HTTPError(...)`` only build objects.
_REQUESTS_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
DEFAULT_HTTP_CLIENTS: dict[str, tuple[str, ...]] = {
    "python": (
        *(f"requests.{verb}(" for verb in _REQUESTS_VERBS), "requests.Session(", "requests.session(",
        *(f"httpx.{verb}(" for verb in _REQUESTS_VERBS),
        "httpx.stream(", "httpx.Client(", "httpx.AsyncClient(",
        "urllib.request.urlopen(", "urllib.request.urlretrieve(",
        "http.client.HTTPConnection(", "http.client.HTTPSConnection(",
        "aiohttp.ClientSession(", "aiohttp.request(",
        "socket.socket(", "socket.create_connection(",
    ),
    "rust": ("reqwest::", "hyper::Client", "std::net::TcpStream"),
    "go": ("http.Get", "http.Post", "http.NewRequest", "net.Dial"),
    "javascript": ("axios", "fetch(", "http.request", "https.request"),
    "typescript": ("axios", "fetch(", "http.request", "https.request"),
    "elixir": ("HTTPoison.", "Req.", ":httpc.", "Tesla."),
}


_ROOT = re.compile(r":?[\w$]+")


def string_list(value: object, option: str) -> list[str]:
    """``value`` as a list of strings, or a ExtractorUsageError naming the option."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ExtractorUsageError(f"extract option {option} must be a list of strings")
    return list(value)


def http_patterns(options: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The ``http_clients`` option merged over the defaults (a language's list replaces its default)."""
    configured = options.get("http_clients") or {}
    if not isinstance(configured, Mapping):
        raise ExtractorUsageError(
            "extract option imports.http_clients must be a mapping of language to patterns"
        )
    patterns = dict(DEFAULT_HTTP_CLIENTS)
    for language, value in configured.items():
        patterns[str(language)] = tuple(string_list(value, f"imports.http_clients.{language}"))
    return patterns


def pattern_roots(patterns: Sequence[str]) -> set[str]:
    """The leading names of the patterns (``reqwest`` of ``reqwest::``, ``:httpc`` of ``:httpc.``).

    A call can only match a pattern when the pattern's leading name is in the file: calls are
    named from the source, and an alias resolves to an import path that the source spells out.
    """
    roots = set()
    for pattern in patterns:
        match = _ROOT.match(pattern)
        roots.add(match.group(0) if match else pattern)
    return roots


def match_pattern(name: str, patterns: Sequence[str]) -> str | None:
    """The first pattern that ``name(`` starts with, or None."""
    probe = name + "("
    for pattern in patterns:
        if probe.startswith(pattern):
            return pattern
    return None


def match_call(name: str, patterns: Sequence[str]) -> str | None:
    """:func:`match_pattern` for one call of a chain: None when a call inside it already matches.

    ``requests.get(url).json()`` is two calls, ``requests.get`` and ``requests.get().json``;
    both start with ``requests.get(``, but only the inner one talks to the network, so the
    chain is one finding.
    """
    pattern = match_pattern(name, patterns)
    if pattern is None:
        return None
    start = name.find("()")
    while start != -1:
        if match_pattern(name[:start], patterns) is not None:
            return None
        start = name.find("()", start + 2)
    return pattern


def import_item(file: str, line: int, target: str, names: Iterable[str], syntax: str,
                modules: Iterable[str] | None = None, kind: str | None = None) -> dict[str, Any]:
    """One import statement (or one leaf of a grouped one).

    ``kind`` (stdlib, third_party, first_party) is left None when it depends on the whole
    repository; the language's classifier fills it in once every file is scanned.
    """
    return {
        "file": file,
        "line": line,
        "target": target,
        "names": sorted(set(names)),
        "modules": sorted(set(modules)) if modules is not None else [target],
        "kind": kind,
        "syntax": syntax,
    }


def call_item(file: str, line: int, name: str, pattern: str) -> dict[str, Any]:
    return {"file": file, "line": line, "name": name, "pattern": pattern}


def file_entry(file: str, language: str, module: str | None, imports: list[dict[str, Any]],
               calls: list[dict[str, Any]], async_functions: list[dict[str, Any]] | None = None,
               ) -> dict[str, Any]:
    """The per-file record, with every list in a stable order."""
    unique_imports = {(i["line"], i["target"], i["syntax"], tuple(i["names"])): i for i in imports}
    unique_calls = {(c["line"], c["name"], c["pattern"]): c for c in calls}
    return {
        "file": file,
        "language": language,
        "module": module,
        "imports": [unique_imports[k] for k in sorted(unique_imports)],
        "calls": [unique_calls[k] for k in sorted(unique_calls)],
        "async_functions": sorted(async_functions or [], key=lambda f: (f["line"], f["name"])),
    }
