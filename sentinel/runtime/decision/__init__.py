"""Decisions: a request ``{tenant, subject, action, resource, context}`` in, allow or deny out.

The decision package's ``deny`` reasons (conftest's convention) decide; see docs/runtime.md.
"""

from __future__ import annotations

from sentinel.runtime.decision.decider import Decider, QueryResult
from sentinel.runtime.decision.models import Decision, DecisionRequest, Reason

__all__ = ["Decider", "Decision", "DecisionRequest", "QueryResult", "Reason"]
