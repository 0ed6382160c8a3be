"""Agent authentication: exchange an API key for tokens, refresh them, validate the current one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sentinel.runtime.cloud.clients.base import BaseClient
from sentinel.runtime.cloud.clients.errors import APIError


@dataclass(frozen=True)
class Tokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int


@dataclass(frozen=True)
class TokenInfo:
    valid: bool
    org_id: str
    agent_id: str
    expires_at: str


def _tokens(answer: Any) -> Tokens:
    if not isinstance(answer, dict):
        raise APIError(200, "token answer is not a JSON object")
    access, refresh, expires = (
        answer.get("access_token"),
        answer.get("refresh_token"),
        answer.get("expires_in"),
    )
    if not isinstance(access, str) or not isinstance(refresh, str) or not isinstance(expires, int):
        raise APIError(200, "token answer lacks access_token, refresh_token or expires_in")
    return Tokens(access, refresh, expires)


class AuthClient(BaseClient):
    def authenticate(self, agent_id: str, api_key: str) -> Tokens:
        """Exchange the agent's API key for tokens; the access token is used for later calls."""
        tokens = _tokens(
            self.request("POST", "/v1/auth/token", json_body={"agent_id": agent_id, "api_key": api_key})
        )
        self.set_token(tokens.access_token)
        return tokens

    def refresh(self, refresh_token: str) -> Tokens:
        tokens = _tokens(self.request("POST", "/v1/auth/refresh", json_body={"refresh_token": refresh_token}))
        self.set_token(tokens.access_token)
        return tokens

    def validate(self) -> TokenInfo:
        """What the server knows of the current token; :class:`AuthenticationError` if it refuses it."""
        answer = self.request("GET", "/v1/auth/validate")
        if not isinstance(answer, dict) or not isinstance(answer.get("valid"), bool):
            raise APIError(200, "validate answer lacks 'valid'")
        return TokenInfo(
            valid=answer["valid"],
            org_id=str(answer.get("org_id", ""))[:64],
            agent_id=str(answer.get("agent_id", ""))[:128],
            expires_at=str(answer.get("expires_at", ""))[:40],
        )
