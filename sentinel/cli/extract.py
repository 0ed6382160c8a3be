"""``sentinel extract``: write the input documents for the policies."""

from __future__ import annotations

from pathlib import Path

import click

from sentinel.cli.check import user_place
from sentinel.cli.options import config_option
from sentinel.config import Config
from sentinel.extractors import KINDS
from sentinel.extractors.cache import with_cache_flags
from sentinel.extractors.run import run_extractors
from sentinel.inputs import DEFAULT_OUT, write_documents


@click.command("extract")
@click.option(
    "-k", "--kinds", multiple=True, help=f"Kinds to extract (repeatable; default all): {', '.join(KINDS)}."
)
@click.option("--base", default=None, envvar="SENTINEL_BASE", help="Base git revision for diff-aware kinds.")
@click.option("--out", default=None, envvar="SENTINEL_OUT", help=f"Output folder (default {DEFAULT_OUT}).")
@click.option("--root", default=".", show_default=True, help="Repository root.")
@click.option("--no-cache", is_flag=True, envvar="SENTINEL_NO_CACHE", help="Do not use the extraction cache.")
@click.option("--cache-dir", default=None, envvar="SENTINEL_CACHE_DIR",
              help="Extraction cache folder (default .sentinel/cache under the root).")
@config_option
def extract(kinds: tuple[str, ...], base: str | None, out: str | None, root: str, no_cache: bool,
            cache_dir: str | None, config: Config) -> None:
    """Extract repository facts into one JSON document per kind."""
    settings = with_cache_flags(config.section("extract"), no_cache, cache_dir)
    documents = run_extractors(Path(root), list(kinds) or None, base, settings)
    out_dir = Path(out or settings.get("out") or DEFAULT_OUT)
    place = user_place(click.get_current_context(), "out") if out else None
    written = {kind: doc.path for kind, doc in write_documents(out_dir, documents, place).items()}
    for kind, path in written.items():
        problems = len(documents[kind].get("problems", []))
        suffix = f" ({problems} problem{'s' if problems != 1 else ''})" if problems else ""
        click.echo(f"{kind}: {path}{suffix}", err=True)
