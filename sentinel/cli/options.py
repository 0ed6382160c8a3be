"""Options shared by several commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from sentinel import library
from sentinel.config import Config, as_list, confine_paths, load_config

F = TypeVar("F", bound=Callable[..., Any])


def _load(ctx: click.Context, _param: click.Parameter, value: str | None) -> Config:
    """Eager: load the config before other options so its values become their defaults."""
    value = value or ctx.meta.get("sentinel.root_config")
    config = load_config(Path(value) if value else None, allow_outside=True)
    defaults = dict(ctx.default_map or {})
    repeatable = {p.name for p in ctx.command.params if getattr(p, "multiple", False)}
    for key, val in config.flags.items():
        defaults.setdefault(key, as_list(val) if key in repeatable else val)
    ctx.default_map = defaults
    ctx.meta["sentinel.config"] = config
    _confine(ctx)
    return config


def _allow_outside(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta["sentinel.allow_outside"] = value
    _confine(ctx)
    return value


def _confine(ctx: click.Context) -> None:
    """Both options are eager and run in the order they were typed: the second one checks."""
    config = ctx.meta.get("sentinel.config")
    allow = ctx.meta.get("sentinel.allow_outside")
    if config is None or allow is None or ctx.meta.get("sentinel.confined"):
        return
    ctx.meta["sentinel.confined"] = True
    if not allow:
        confine_paths(config)


def _no_library(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta["sentinel.no_library"] = value
    return value


def use_library(ctx: click.Context) -> bool:
    config = ctx.meta.get("sentinel.config")
    return not ctx.meta.get("sentinel.no_library") and (config is None or config.use_library)


def user_given(ctx: click.Context, name: str, value: tuple[str, ...]) -> tuple[str, ...]:
    """``value`` when the command line or the environment gave it, else () (a config default)."""
    source = ctx.get_parameter_source(name)
    return value if source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT) else ()


def resolve_paths(
    policy: tuple[str, ...], data: tuple[str, ...], fallbacks: tuple[str, ...] = (library.REPO_POLICY,)
) -> library.Paths:
    """Policy and data paths of the running command: the shipped library plus the repository's own
    folders, unless --policy names them (see sentinel.library.resolve)."""
    ctx = click.get_current_context()
    config: Config = ctx.meta.get("sentinel.config") or Config()
    paths = library.resolve(
        user_given(ctx, "policy", policy),
        as_list(config.flags.get("policy")),
        user_given(ctx, "data", data),
        as_list(config.flags.get("data")),
        use_library(ctx),
        Path.cwd(),
        fallbacks,
    )
    # An explicit --data replaces the file's data (params, exceptions), as flags replace file values.
    overlay = None if user_given(ctx, "data", data) else config.data_overlay() or None
    return replace(paths, data_config=overlay)


def terminal_color(no_color: bool) -> bool | None:
    """Colour for what goes to the terminal: False with --no-color or a non-empty ``NO_COLOR``
    (no-color.org), True with a non-empty ``FORCE_COLOR`` (colour codes even through a pipe, as
    conftest always writes them), else None: click colours a terminal and strips pipes."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return None


def config_option(func: F) -> F:
    func = click.option(
        "--no-library",
        is_flag=True,
        expose_value=False,
        callback=_no_library,
        help="Do not load the rule library shipped with Sentinel (also `library: false` in the config).",
    )(func)
    func = click.option(
        "--allow-outside-paths",
        is_flag=True,
        is_eager=True,
        expose_value=False,
        callback=_allow_outside,
        help="Let paths in the configuration file point outside its folder (absolute, .., symlinks).",
    )(func)
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
