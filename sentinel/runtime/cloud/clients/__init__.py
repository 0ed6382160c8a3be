"""HTTP clients for the governance API (httpx, imported when a client is built)."""

from __future__ import annotations
