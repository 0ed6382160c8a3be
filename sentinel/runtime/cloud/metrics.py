"""Prometheus metrics for the audit buffer, as a collector the service registers in its own registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sentinel.runtime.cloud.buffer import AuditBuffer

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric


class AuditBufferCollector:
    """``sentinel_cloud_audit_buffer_depth`` and ``sentinel_cloud_audit_dropped_total``, read when scraped."""

    def __init__(self, buffer: AuditBuffer) -> None:
        self._buffer = buffer

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        yield GaugeMetricFamily(
            "sentinel_cloud_audit_buffer_depth",
            "Audit events waiting for the governance API.",
            value=self._buffer.depth,
        )
        yield CounterMetricFamily(
            "sentinel_cloud_audit_dropped",
            "Audit events ever dropped from the stream (refused for good by the server).",
            value=self._buffer.dropped,
        )
