"""Prometheus metrics of one app, in a registry of its own (never the process-global one).

Label values come from a bounded set: a tenant label is the tenant only when it has a pack,
``"unknown"`` otherwise, so an attacker inventing tenant names cannot grow the series without bound.
With ``--workers N`` each worker process has its own registry; a scrape sees one worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, Info
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServiceMetrics:
    """The service's metrics; one instance per app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.decisions = Counter(
            "policy_decision",
            "Decisions answered by /v1/evaluate.",
            ["tenant", "decision", "policy_id"],
            registry=self.registry,
        )
        self.queries = Counter(
            "policy_data_query",
            "Queries answered by /v1/data: outcome defined, undefined or error.",
            ["outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "policy_decision_duration_seconds",
            "Time from request received to answer ready, per endpoint.",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.revision = Info(
            "policy_revision",
            "The loaded policy revision and constitution hash of each pack (pack: default or a tenant).",
            ["pack"],
            registry=self.registry,
        )
        self.log_dropped = Counter(
            "decision_log_dropped",
            "Decision-log records dropped because the log queue was full.",
            registry=self.registry,
        )
        self.log_errors = Counter(
            "decision_log_errors",
            "Decision-log records the sink failed to write.",
            registry=self.registry,
        )
        self.reloads = Counter(
            "policy_reload",
            "Policy reloads: outcome ok or error.",
            ["outcome"],
            registry=self.registry,
        )

        # Label children resolved once: ``labels()`` takes a lock and builds a key on every call.
        self.evaluate_latency = self.latency.labels("evaluate")
        self.data_latency = self.latency.labels("data")
        self.query_outcomes = {o: self.queries.labels(o) for o in ("defined", "undefined", "error")}
        self._decision_children: dict[tuple[str, str, str], Any] = {}

    def count_decision(self, tenant: str, decision: str, policy_id: str) -> None:
        """``tenant`` must already be bounded (see ``ServiceState.tenant_label``)."""
        key = (tenant, decision, policy_id)
        child = self._decision_children.get(key)
        if child is None:
            child = self._decision_children[key] = self.decisions.labels(*key)
        child.inc()

    def set_revisions(self, packs: Mapping[str, tuple[str, str]]) -> None:
        """``packs``: pack name -> (revision, constitution hash); replaces what was set before."""
        self.revision.clear()
        for name, (revision, constitution_hash) in packs.items():
            self.revision.labels(name).info({"revision": revision, "constitution_hash": constitution_hash})

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
