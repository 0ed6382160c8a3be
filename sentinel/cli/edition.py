"""``sentinel edition`` and ``sentinel features``: what the runtime turns on here (SENTINEL_EDITION,
SENTINEL_FEATURE_<NAME>)."""

from __future__ import annotations

import json
import os

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def edition(fmt: str) -> None:
    """Print the edition (community, pro, enterprise) from SENTINEL_EDITION."""
    from sentinel.runtime.edition import resolve

    features = resolve(os.environ)
    for message in features.warnings:
        click.echo(f"Warning: {message}", err=True)
    if fmt == "json":
        click.echo(json.dumps({"edition": features.edition.value}))
    else:
        click.echo(features.edition.value)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def features(fmt: str) -> None:
    """List the feature flags, on or off, and what set each (the edition or a SENTINEL_FEATURE_ variable)."""
    from sentinel.runtime.edition import resolve

    resolved = resolve(os.environ)
    for message in resolved.warnings:
        click.echo(f"Warning: {message}", err=True)
    rows = [
        (f.value, resolved.flags[f], resolved.sources[f])
        for f in sorted(resolved.flags, key=lambda f: f.value)
    ]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "edition": resolved.edition.value,
                    "features": {name: {"enabled": on, "source": src} for name, on, src in rows},
                },
                sort_keys=True,
            )
        )
        return
    click.echo(f"edition: {resolved.edition.value}")
    width = max(len(name) for name, _, _ in rows)
    for name, on, source in rows:
        click.echo(f"{name:<{width}}  {'on ' if on else 'off'}  ({source})")
