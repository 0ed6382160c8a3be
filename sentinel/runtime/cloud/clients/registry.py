"""The policy registry: get, list, push, diff and pin policies (``/v1/policies``)."""

from __future__ import annotations

import re
from typing import Any

from sentinel.runtime.cloud.clients.base import BaseClient
from sentinel.runtime.cloud.clients.errors import APIError
from sentinel.runtime.cloud.config import CloudConfigError

POLICY_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
REVISION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
MAX_POLICY_BYTES = 1024 * 1024


def _checked(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.match(value) or ".." in value:
        raise CloudConfigError(f"{what} {value[:40]!r}: not a valid {what}")
    return value


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise APIError(200, f"{what}: expected a JSON object")
    return value


class PolicyRegistryClient(BaseClient):
    def list(self) -> list[dict[str, Any]]:
        answer = _object(self.request("GET", "/v1/policies"), "list policies")
        policies = answer.get("policies")
        if not isinstance(policies, list) or not all(isinstance(p, dict) for p in policies):
            raise APIError(200, "list policies: expected {policies: [...]}")
        return policies

    def get(self, policy_id: str, revision: str | None = None) -> dict[str, Any]:
        path = f"/v1/policies/{_checked(POLICY_ID, policy_id, 'policy id')}"
        params = {"revision": _checked(REVISION, revision, "revision")} if revision else None
        return _object(self.request("GET", path, params=params), "get policy")

    def push(self, policy_id: str, content: str, message: str = "") -> dict[str, Any]:
        """Upload a new revision; the answer names it (``revision``, ``content_hash``)."""
        if len(content.encode()) > MAX_POLICY_BYTES:
            raise CloudConfigError(f"policy {policy_id}: over {MAX_POLICY_BYTES} bytes")
        path = f"/v1/policies/{_checked(POLICY_ID, policy_id, 'policy id')}"
        body = {"content": content, "message": message[:1000]}
        return _object(self.request("PUT", path, json_body=body), "push policy")

    def diff(self, policy_id: str, from_revision: str, to_revision: str) -> dict[str, Any]:
        path = f"/v1/policies/{_checked(POLICY_ID, policy_id, 'policy id')}/diff"
        params = {
            "from": _checked(REVISION, from_revision, "revision"),
            "to": _checked(REVISION, to_revision, "revision"),
        }
        return _object(self.request("GET", path, params=params), "diff policy")

    def pin(self, policy_id: str, revision: str, tenant: str) -> dict[str, Any]:
        """Pin ``tenant`` to ``revision`` (the enterprise ``policy_pinning`` feature, server side)."""
        path = f"/v1/policies/{_checked(POLICY_ID, policy_id, 'policy id')}/pins"
        body = {"revision": _checked(REVISION, revision, "revision"), "tenant": tenant}
        return _object(self.request("POST", path, json_body=body), "pin policy")
