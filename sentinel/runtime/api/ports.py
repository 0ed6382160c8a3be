"""What the service needs from a decider (``sentinel.runtime.decision.Decider`` is the adapter)."""

from __future__ import annotations

from typing import Any, Protocol

from sentinel.runtime.decision.models import Decision, DecisionRequest


class QueryResultLike(Protocol):
    @property
    def defined(self) -> bool: ...

    @property
    def value(self) -> Any: ...


class PackLike(Protocol):
    @property
    def revision(self) -> str: ...

    @property
    def constitution_hash(self) -> str: ...


class DeciderPort(Protocol):
    @property
    def revision(self) -> str:
        """The default pack's revision; "" when only tenants have packs."""

    @property
    def constitution_hash(self) -> str: ...

    @property
    def tenants(self) -> list[str]:
        """Tenants with a pack of their own."""

    def pack_for(self, tenant: str) -> PackLike | None: ...

    def evaluate(self, request: DecisionRequest) -> Decision:
        """Never raises for a policy problem: answers deny with the reason."""

    def query(self, path: str, input: Any = None) -> QueryResultLike:
        """OPA's data API; raises on an evaluation error or a missing pack."""
