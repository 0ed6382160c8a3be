"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sentinel.config import Config, as_list, load_config

F = TypeVar("F", bound=Callable[..., Any])


def _load(ctx: click.Context, _param: click.Parameter, value: str | None) -> Config:
    """Eager: load the config before other options so its values become their defaults."""
    config = load_config(Path(value) if value else None)
    defaults = dict(ctx.default_map or {})
    repeatable = {p.name for p in ctx.command.params if getattr(p, "multiple", False)}
    for key, val in config.flags.items():
        defaults.setdefault(key, as_list(val) if key in repeatable else val)
    ctx.default_map = defaults
    ctx.meta["sentinel.config"] = config
    return config


def config_option(func: F) -> F:
    return click.option(
        "-c",
        "--config-file",
        "config",
        envvar="SENTINEL_CONFIG_FILE",
        is_eager=True,
        expose_value=True,
        callback=_load,
        help="Configuration file (default: conftest.yml, .yaml or .toml in the current directory).",
    )(func)
