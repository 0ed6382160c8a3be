"""Where the control channel and the API clients connect, and as whom (``SENTINEL_CLOUD_*``).

The token is a secret: it is kept out of ``repr`` and never appears in a message. A ``ws://`` or
``http://`` endpoint is refused unless its host is loopback or ``SENTINEL_CLOUD_ALLOW_INSECURE=1`` says
so: the bearer token must not travel in clear text by accident.
"""

from __future__ import annotations

import ipaddress
import math
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sentinel.errors import UsageError

ORG_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
AGENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
TOKEN_PATTERN = re.compile(r"^[\x21-\x7e]{1,4096}$")  # visible ASCII: no CR/LF header injection
DEFAULT_HEARTBEAT_S = 30.0
DEFAULT_BUFFER_CAP = 100_000
MAX_URL = 2048

_TRUE = frozenset({"1", "true", "on", "yes"})


class CloudConfigError(UsageError):
    """The cloud settings are missing or unsafe."""


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, secure: str, insecure: str, *, allow_insecure: bool, what: str) -> str:
    """``url`` if its scheme is ``secure``, or ``insecure`` to a loopback host (or explicitly allowed)."""
    if not url or len(url) > MAX_URL:
        raise CloudConfigError(f"{what}: missing or longer than {MAX_URL} characters")
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise CloudConfigError(f"{what}: credentials in the URL are not allowed; use SENTINEL_CLOUD_TOKEN")
    if not parts.hostname:
        raise CloudConfigError(f"{what}: {parts.scheme or 'no'} URL without a host")
    if parts.scheme == secure:
        return url
    if parts.scheme == insecure:
        if is_loopback(parts.hostname) or allow_insecure:
            return url
        raise CloudConfigError(
            f"{what}: {insecure}:// to {parts.hostname} would send the token unencrypted; use {secure}:// "
            "(or set SENTINEL_CLOUD_ALLOW_INSECURE=1 for a trusted network)"
        )
    raise CloudConfigError(f"{what}: scheme must be {secure}:// (got {parts.scheme or 'none'}://)")


@dataclass(frozen=True)
class CloudConfig:
    endpoint: str  # the control channel, wss://
    api_url: str  # the governance REST API, https://
    org_id: str
    agent_id: str
    token: str = field(repr=False)
    heartbeat_interval: float = DEFAULT_HEARTBEAT_S
    max_retries: int | None = None
    allow_insecure: bool = False
    ca_file: Path | None = None
    audit_buffer: Path | None = None
    audit_buffer_cap: int = DEFAULT_BUFFER_CAP

    def __post_init__(self) -> None:
        check_url(
            self.endpoint, "wss", "ws", allow_insecure=self.allow_insecure, what="SENTINEL_CLOUD_ENDPOINT"
        )
        check_url(
            self.api_url, "https", "http", allow_insecure=self.allow_insecure, what="SENTINEL_CLOUD_API_URL"
        )
        if not ORG_PATTERN.match(self.org_id):
            raise CloudConfigError("SENTINEL_CLOUD_ORG_ID: 1-64 letters, digits, '.', '_' or '-'")
        if not AGENT_PATTERN.match(self.agent_id):
            raise CloudConfigError("SENTINEL_CLOUD_AGENT_ID: 1-128 letters, digits, '.', '_', ':' or '-'")
        if not TOKEN_PATTERN.match(self.token):
            raise CloudConfigError("SENTINEL_CLOUD_TOKEN: missing, or not 1-4096 visible ASCII characters")
        if not 0 < self.heartbeat_interval <= 3600:
            raise CloudConfigError("SENTINEL_CLOUD_HEARTBEAT_S: must be more than 0 and at most 3600")
        if self.max_retries is not None and self.max_retries < 0:
            raise CloudConfigError("SENTINEL_CLOUD_MAX_RETRIES: must be at least 0")
        if self.audit_buffer_cap < 1:
            raise CloudConfigError("SENTINEL_CLOUD_AUDIT_BUFFER_CAP: must be at least 1")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> CloudConfig:
        """The settings in ``environ``; raises :class:`CloudConfigError` naming the variable at fault."""

        def number(name: str, default: float) -> float:
            raw = environ.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise CloudConfigError(f"{name}: {raw[:20]!r} is not a number")
            return value

        retries_raw = environ.get("SENTINEL_CLOUD_MAX_RETRIES", "").strip()
        retries = None if not retries_raw else int(number("SENTINEL_CLOUD_MAX_RETRIES", 0))
        ca = environ.get("SENTINEL_CLOUD_CA_FILE", "").strip()
        buffer = environ.get("SENTINEL_CLOUD_AUDIT_BUFFER", "").strip()
        return cls(
            endpoint=environ.get("SENTINEL_CLOUD_ENDPOINT", "").strip(),
            api_url=environ.get("SENTINEL_CLOUD_API_URL", "").strip(),
            org_id=environ.get("SENTINEL_CLOUD_ORG_ID", "").strip(),
            agent_id=environ.get("SENTINEL_CLOUD_AGENT_ID", "").strip() or socket.gethostname()[:128],
            token=environ.get("SENTINEL_CLOUD_TOKEN", "").strip(),
            heartbeat_interval=number("SENTINEL_CLOUD_HEARTBEAT_S", DEFAULT_HEARTBEAT_S),
            max_retries=retries,
            allow_insecure=environ.get("SENTINEL_CLOUD_ALLOW_INSECURE", "").strip().lower() in _TRUE,
            ca_file=Path(ca) if ca else None,
            audit_buffer=Path(buffer) if buffer else None,
            audit_buffer_cap=int(number("SENTINEL_CLOUD_AUDIT_BUFFER_CAP", DEFAULT_BUFFER_CAP)),
        )

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Sentinel-Org": self.org_id}
