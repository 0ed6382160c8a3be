"""``GET /v1/constitution[/{tenant}]`` and the sync gauges, for the decision service.

``ConstitutionEndpoints(syncs).routes()`` go to ``create_app(extra_routes=...)``; its
``register_metrics(registry)`` adds to the app's own registry a request counter and a collector read
at scrape time (so the gauges are never stale):

- ``bundle_last_successful_sync_timestamp_seconds{tenant}``
- ``bundle_revision_info{tenant,revision,constitution_hash}`` (1 for the active bundle)
- ``bundle_sync_consecutive_failures{tenant}``

A tenant without a bundle of its own is answered with the default bundle (``default``), as the decider
gives it the default pack. 404: no bundle applies; 503: the bundle that applies is not active yet.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sentinel.runtime.api.errors import INVALID_PARAMETER, UNAVAILABLE, error_response
from sentinel.runtime.bundles.cache import DEFAULT_TENANT, check_tenant
from sentinel.runtime.bundles.sync import BundleSync, SyncStatus

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics_core import Metric

log = logging.getLogger(__name__)

NOT_FOUND = "resource_not_found"
DEFAULT_ROUTE = "/v1/constitution"
TENANT_ROUTE = "/v1/constitution/{tenant}"


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def status_document(status: SyncStatus) -> dict[str, Any]:
    return {
        "tenant": status.tenant,
        "revision": status.revision,
        "hash": status.constitution_hash,
        "signed_by": status.signed_by,
        "activated_at": _time(status.activated_at),
        "sync": {
            "last_success": _time(status.last_success),
            "last_attempt": _time(status.last_attempt),
            "consecutive_failures": status.consecutive_failures,
            "last_error": status.last_error_reason,
            "long_polling": status.long_polling,
        },
    }


class ConstitutionEndpoints:
    """The two routes and their request counter (``constitution_requests_total{route,status}``)."""

    def __init__(self, syncs: Sequence[BundleSync]) -> None:
        from prometheus_client import Counter

        self.syncs = tuple(syncs)
        self._by_tenant = {sync.config.name: sync for sync in syncs}
        self.requests = Counter(
            "constitution_requests",
            "Requests to /v1/constitution[/{tenant}] by route template and status code.",
            ["route", "status"],
            registry=None,
        )

    def routes(self) -> list[Route]:
        return [
            Route("/v1/constitution", self.default, methods=["GET"]),
            Route("/v1/constitution/{tenant}", self.for_tenant, methods=["GET"]),
        ]

    def register_metrics(self, registry: CollectorRegistry) -> None:
        """Add the request counter and the sync gauges to the app's registry."""
        registry.register(self.requests)
        registry.register(SyncCollector(self.syncs))

    def _answer(self, tenant: str) -> Response:
        sync = self._by_tenant.get(tenant) or self._by_tenant.get(DEFAULT_TENANT)
        if sync is None:
            return error_response(404, NOT_FOUND, "no constitution applies to this tenant")
        if sync.status.constitution_hash is None:
            return error_response(
                503, UNAVAILABLE, "no verified constitution is active yet", **status_document(sync.status)
            )
        return JSONResponse(status_document(sync.status))

    async def default(self, _request: Request) -> Response:
        response = self._answer(DEFAULT_TENANT)
        self.requests.labels(DEFAULT_ROUTE, str(response.status_code)).inc()
        log.debug("constitution read", extra={"route": DEFAULT_ROUTE, "status": response.status_code})
        return response

    async def for_tenant(self, request: Request) -> Response:
        tenant = str(request.path_params["tenant"])
        response: Response
        try:
            check_tenant(tenant)
        except ValueError as exc:
            response = error_response(400, INVALID_PARAMETER, str(exc))
        else:
            response = self._answer(tenant)
        self.requests.labels(TENANT_ROUTE, str(response.status_code)).inc()
        log.debug("constitution read", extra={"route": TENANT_ROUTE, "status": response.status_code})
        return response


class SyncCollector:
    """A Prometheus collector reading each sync's status at scrape time."""

    def __init__(self, syncs: Sequence[BundleSync]) -> None:
        self._syncs = tuple(syncs)

    def describe(self) -> list[Metric]:
        return list(self._families())

    def collect(self) -> Iterator[Metric]:
        yield from self._families()

    def _families(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily

        last = GaugeMetricFamily(
            "bundle_last_successful_sync_timestamp_seconds",
            "Unix time of the last poll that ended well (bundle activated or unchanged).",
            labels=["tenant"],
        )
        info = InfoMetricFamily(
            "bundle_revision", "The active bundle's revision and constitution hash.", labels=["tenant"]
        )
        failures = GaugeMetricFamily(
            "bundle_sync_consecutive_failures",
            "Polls that failed since the last one that ended well.",
            labels=["tenant"],
        )
        for sync in self._syncs:
            status = sync.status
            if status.last_success is not None:
                last.add_metric([status.tenant], status.last_success.timestamp())
            if status.constitution_hash is not None:
                info.add_metric(
                    [status.tenant],
                    {"revision": status.revision or "", "constitution_hash": status.constitution_hash},
                )
            failures.add_metric([status.tenant], status.consecutive_failures)
        yield last
        yield info
        yield failures
