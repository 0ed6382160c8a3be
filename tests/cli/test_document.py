"""`sentinel document`: conftest's doc command (one Markdown page per policy folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from testsupport.files import write

POLICY = """# METADATA
# title: Shop
# description: prices and stock
package shop

import rego.v1

# METADATA
# title: Prices are positive
deny contains "bad" if input.price <= 0
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "policy/shop.rego", POLICY)
    (tmp_path / "out").mkdir()
    return tmp_path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["document", *args], catch_exceptions=False)
    return result.exit_code, result.stderr


def test_default_page_has_a_section_per_annotation(workdir: Path) -> None:
    assert invoke("policy", "-o", "out")[0] == 0
    text = (workdir / "out" / "policy.md").read_text()
    assert text.startswith("# shop - Shop\n\nprices and stock\n")
    assert "## shop.deny - Prices are positive\n" in text


def test_a_jinja_template_sees_conftests_fields(workdir: Path) -> None:
    write(workdir, "t.md", "{% for s in sections %}{{ s.Depth }} {{ s.RegoPackageName }};{% endfor %}")
    assert invoke("policy", "-o", "out", "-t", "t.md")[0] == 0
    assert (workdir / "out" / "policy.md").read_text() == "1 shop;2 shop.deny;"


@pytest.mark.parametrize(
    "template",
    ["{{ sections.__class__.__mro__ }}", "{{ sections[0].Nope }}", "{{ range . }}", "{% for %}"],
)
def test_unsafe_unknown_or_broken_templates_exit_2(workdir: Path, template: str) -> None:
    write(workdir, "t.md", template)
    code, err = invoke("policy", "-o", "out", "-t", "t.md")
    assert code == 2 and "template" in err
    assert not (workdir / "out" / "policy.md").exists()


def test_a_folder_without_annotations_exits_2(workdir: Path) -> None:
    write(workdir, "bare/p.rego", "package bare\n")
    code, err = invoke("bare", "-o", "out")
    assert code == 2 and "no annotations found" in err


def test_test_files_are_left_out(workdir: Path) -> None:
    write(workdir, "policy/shop_test.rego", "# METADATA\n# title: Hidden\npackage shop_test\n")
    assert invoke("policy", "-o", "out")[0] == 0
    assert "Hidden" not in (workdir / "out" / "policy.md").read_text()


def test_paths_must_be_folders_and_the_output_folder_must_exist(workdir: Path) -> None:
    assert invoke("policy/shop.rego", "-o", "out")[0] == 2
    assert invoke("policy", "-o", "missing")[0] == 2


def test_a_symlink_at_the_target_is_not_followed(workdir: Path) -> None:
    victim = workdir / "victim.txt"
    victim.write_text("keep")
    os.symlink(victim, workdir / "out" / "policy.md")
    assert invoke("policy", "-o", "out")[0] == 2
    assert victim.read_text() == "keep"
