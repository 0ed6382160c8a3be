"""``sentinel cloud status``: the control channel and the governance API as this agent sees them."""

from __future__ import annotations

import json
import os

import click

RUNTIME_HINT = "sentinel cloud needs the runtime extra: pip install 'sentinel-policy[runtime]'"


@click.group()
def cloud() -> None:
    """The governance service: `status` checks the control channel and the API (docs/cloud.md)."""


@cloud.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--timeout", type=click.FloatRange(0.1, 60), default=5.0, show_default=True,
              help="Seconds for the whole check.")
def status(fmt: str, timeout: float) -> None:
    """Connect once and print state, heartbeat and ack, endpoint, API health, auth, policy sync, audit buffer.

    Exit codes: 0 connected and healthy (or cloud disabled), 1 not connected or unhealthy, 2 bad settings.
    """
    from sentinel.errors import UsageError
    from sentinel.runtime.edition import Feature, resolve

    features = resolve(os.environ)
    for message in features.warnings:
        click.echo(f"Warning: {message}", err=True)
    if not features.enabled(Feature.CLOUD_SYNC):
        if fmt == "json":
            click.echo(json.dumps({"enabled": False}))
        else:
            click.echo("Cloud governance: disabled")
        return
    try:
        from sentinel.runtime.cloud.config import CloudConfig
        from sentinel.runtime.cloud.heartbeat import AgentInfo
        from sentinel.runtime.cloud.probe import as_dict, cloud_status
    except ImportError as exc:
        raise UsageError(RUNTIME_HINT) from exc
    config = CloudConfig.from_environ(os.environ)
    try:
        result = cloud_status(config, AgentInfo(config.agent_id, features.edition.value), timeout)
    except ImportError as exc:
        raise UsageError(RUNTIME_HINT) from exc
    if fmt == "json":
        click.echo(json.dumps({"enabled": True, **as_dict(result)}, sort_keys=True))
    else:
        rows = [
            ("state", result.state),
            ("endpoint", result.endpoint),
            ("last heartbeat sent", result.last_heartbeat_sent or "never"),
            ("last ack", result.last_ack or "never"),
            ("API health", result.api_health),
            ("auth", result.auth),
            ("policy sync", result.policy_sync),
            ("audit buffer", result.audit_buffer),
        ]
        click.echo("Cloud governance: enabled")
        for name, value in rows:
            click.echo(f"{name + ':':<21}{value}")
    if not result.healthy:
        raise SystemExit(1)
