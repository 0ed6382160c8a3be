"""``sentinel policy diff A B`` and ``sentinel policy hash FILE...``."""

from __future__ import annotations

import click

from sentinel.errors import SentinelError, UsageError
from sentinel.parsers import DEFAULT_MAX_BYTES, read_regular_file

# Data files are hashed after parsing, as a bundle's data.json / data.yaml are (docs/bundles.md).
_STRUCTURED = {".json": "data.json", ".yaml": "data.yaml", ".yml": "data.yaml"}


@click.group()
def policy() -> None:
    """Compare and fingerprint policy and data files."""


@policy.command("diff")
@click.argument("a", type=click.Path(dir_okay=False))
@click.argument("b", type=click.Path(dir_okay=False))
def diff(a: str, b: str) -> None:
    """Structural diff of two Rego files (rule by rule, formatting and comments ignored) or two data
    files (JSON pointers). Exit 0 when the same, 1 when different, 2 on errors."""
    from sentinel.runner.policy_diff import diff_files

    changes = diff_files(a, b)
    for change in changes:
        click.echo(change.line())
    if changes:
        raise SystemExit(1)


@policy.command("hash")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def hash_command(files: tuple[str, ...]) -> None:
    """The hash a signed bundle records for each file (OPA's rules): SHA-256 of a Rego file's bytes, and
    of a JSON or YAML file's canonical form after parsing, so reformatting data changes nothing."""
    try:
        from sentinel.runtime.bundles.errors import BundleError
        from sentinel.runtime.bundles.hashing import file_digest
    except ImportError as exc:
        raise UsageError(
            f"sentinel policy hash needs the runtime extra ({exc.name} is missing): "
            "pip install 'sentinel-policy[runtime]'"
        ) from None
    for path in files:
        suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
        data = read_regular_file(path, DEFAULT_MAX_BYTES)
        try:
            digest = file_digest(_STRUCTURED.get(suffix, "policy.rego"), data)
        except BundleError as exc:
            raise SentinelError(str(exc).replace("data.json", path).replace("data.yaml", path)) from None
        click.echo(f"{digest}  {path}")
