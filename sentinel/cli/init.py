"""``sentinel init``: write a first conftest.yml, the GitHub workflow and the .gitignore line from
what the repository holds; ``--check`` tells whether the configuration still fits the tree."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import yaml

from sentinel.config import DEFAULT_FILES, find_config, load_config, unmatched_globs, validate
from sentinel.errors import SentinelError, UsageError
from sentinel.extractors.selection import select_files
from sentinel.init import consistency, render
from sentinel.init.detect import detect
from sentinel.init.foreign import MAX_CONFIG_BYTES
from sentinel.safe_write import Place, write_file

CONFIG_NAME = DEFAULT_FILES[0]


@click.command("init")
@click.option("--force", is_flag=True, help="Overwrite an existing conftest.yml and workflow.")
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing: exit 0 when the configuration fits the tree, 1 with one line per problem.",
)
def init(force: bool, check_only: bool) -> None:
    """Write a first conftest.yml, the GitHub workflow and the .gitignore line from this repository."""
    root = Path.cwd()
    if check_only:
        sys.exit(_check(root))
    existing = find_config(root) or (root / CONFIG_NAME if os.path.lexists(root / CONFIG_NAME) else None)
    if existing is not None and not force:
        raise UsageError(f"{existing.name} exists; run with --force to overwrite it")
    gitignore = render.gitignore_with_outputs(_read_gitignore(root))  # refused before anything is written
    files = select_files(root)
    rendered = render.build(detect(root), files)
    validate(yaml.safe_load(rendered.text), CONFIG_NAME, {})
    place = Place(root)
    write_file(Path(CONFIG_NAME), rendered.text.encode(), place)
    wrote = [CONFIG_NAME]
    workflow = root / render.WORKFLOW_PATH
    if os.path.lexists(workflow) and not force:
        rendered.notes.append(f"{render.WORKFLOW_PATH} exists: left as it is (--force replaces it)")
    else:
        write_file(Path(render.WORKFLOW_PATH), render.WORKFLOW.encode(), place)
        wrote.append(render.WORKFLOW_PATH)
        rendered.notes.append(f"{render.WORKFLOW_PATH}: replace <owner>/sentinel@<tag> with the action's "
                              "release")
    if gitignore is not None:
        write_file(Path(".gitignore"), gitignore.encode(), place)
        wrote.append(".gitignore")
    click.echo(f"Wrote {', '.join(wrote)}.")
    for line in rendered.inferred:
        click.echo(f"  inferred: {line}")
    for note in rendered.notes:
        click.echo(f"  note: {note}")


def _read_gitignore(root: Path) -> str | None:
    path = root / ".gitignore"
    if path.is_symlink():
        raise UsageError(".gitignore is a symlink; Sentinel does not write through it", file=".gitignore")
    if not path.exists():
        return None
    if not path.is_file() or path.stat().st_size > MAX_CONFIG_BYTES:
        raise UsageError("not a regular file of a readable size", file=".gitignore")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SentinelError(f"cannot read: {exc}", file=".gitignore") from exc


def _check(root: Path) -> int:
    path = find_config(root)
    if path is None:
        raise UsageError(f"no {CONFIG_NAME} here: run `sentinel init` first")
    config = load_config(Path(path.name))  # the working directory is the root: lines read conftest.yml:N
    files = select_files(root)
    problems = unmatched_globs(config, files)
    problems += consistency.problems(config.sections, files, detect(root), config.where)
    for problem in problems:
        click.echo(problem)
    if problems:
        return 1
    click.echo(f"{path.name} is consistent with the tree")
    return 0

