"""`sentinel doc`: the policy reference from the annotations, like `conftest doc`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sentinel.cli import main

POLICY = """package acme.shop

# METADATA
# title: Prices are positive
# custom:
#   id: shop.prices
#   severity: high
deny_prices contains "bad" if input.price <= 0
"""


@pytest.fixture
def policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "shop.rego").write_text(POLICY, encoding="utf-8")
    return folder


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["doc", *args], catch_exceptions=False)


def test_doc_writes_the_markdown_file(policies: Path) -> None:
    result = run("-p", str(policies), "-o", "out/policies.md")
    assert result.exit_code == 0
    text = Path("out/policies.md").read_text(encoding="utf-8")
    assert "### shop.prices - Prices are positive" in text


def test_doc_prints_to_stdout_with_dash(policies: Path) -> None:
    result = run("-p", str(policies), "-o", "-")
    assert result.exit_code == 0
    assert "| `shop.prices` | deny | high |" in result.output


def test_check_fails_when_the_file_is_stale_and_passes_when_current(policies: Path) -> None:
    Path("policies.md").write_text("old\n", encoding="utf-8")
    assert run("-p", str(policies), "-o", "policies.md", "--check").exit_code == 1
    assert run("-p", str(policies), "-o", "policies.md").exit_code == 0
    assert run("-p", str(policies), "-o", "policies.md", "--check").exit_code == 0


def test_broken_annotation_exits_2_naming_file_and_line(policies: Path) -> None:
    (policies / "broken.rego").write_text("package b\n\n# METADATA\n# title: [x\np := 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["doc", "-p", str(policies), "-o", "-"])
    assert result.exit_code == 2
    assert "broken.rego:4" in result.output


def test_doc_output_never_follows_a_symlink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / "policies.md").symlink_to(victim)
    monkeypatch.chdir(work)
    result = CliRunner().invoke(main, ["doc", "-o", "policies.md"])
    assert result.exit_code == 2
    assert victim.read_text() == "keep me\n"
    assert (work / "policies.md").is_symlink()
