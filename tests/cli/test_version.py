"""`sentinel --version` names the Rego engine and its version, as `opa version` and conftest do."""

from __future__ import annotations

from importlib.metadata import version

from click.testing import CliRunner

from sentinel import __version__
from sentinel.cli import main


def test_version_names_the_engine() -> None:
    for flag in ("--version", "-v"):
        result = CliRunner().invoke(main, [flag])
        assert result.exit_code == 0
        expected = f"sentinel, version {__version__} (engine regorus {version('gordon-to-regorus')})"
        assert result.output.strip() == expected
