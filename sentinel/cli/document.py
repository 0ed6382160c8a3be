"""``sentinel document``: conftest's ``doc`` command (``sentinel doc`` is Sentinel's own reference page).

``sentinel document PATH... [-o OUTDIR] [-t TEMPLATE]`` writes ``OUTDIR/<folder name>.md`` for
each policy folder, as ``conftest doc`` does; the template is Jinja2 (see sentinel.document).
"""

from __future__ import annotations

from pathlib import Path

import click

from sentinel.document import output_name, render
from sentinel.errors import UsageError
from sentinel.safe_write import Place, write_file


@click.command("document")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o", "--outDir", "out_dir", default=".", show_default=True, help="Folder to write the Markdown files to."
)
@click.option("-t", "--template", default=None, help="Jinja2 template for the page (default: conftest's).")
def document(paths: tuple[str, ...], out_dir: str, template: str | None) -> None:
    """Render the # METADATA annotations of each policy folder in PATHS to Markdown, as conftest doc."""
    if not Path(out_dir).is_dir():
        # conftest does not create it either.
        raise UsageError("output folder does not exist", file=out_dir)
    for path in paths:
        if not Path(path).is_dir():
            raise UsageError("is not a directory", file=path)
        target = Path(out_dir) / output_name(path)
        # Atomic, and no symlink followed: a committed link at the target must not redirect it.
        write_file(target, render(path, template).encode("utf-8"), Place(Path.cwd(), confine=False))
        click.echo(f"wrote {target}", err=True)
