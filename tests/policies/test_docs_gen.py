"""sentinel.docs_gen: OPA # METADATA annotations read from Rego source and rendered as Markdown."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sentinel.docs_gen import collect, parse_annotations, render
from sentinel.errors import PolicyError
from sentinel.runner.engine import PolicySource

CATEGORY = """
# METADATA
# scope: subpackages
# title: Shop
# description: Rules about the shop.
package acme.shop
"""

RULE = """
package acme.shop.prices

# METADATA
# title: Prices are positive
# description: >-
#   Every price is above zero.
# custom:
#   id: shop.prices
#   severity: high
#   input: catalog
#   data: [acme.params.currency]
#   fix: Set a positive price.
deny_prices contains msg if {
	some item in input.items
	item.price <= 0
	msg := "bad price"
}

# METADATA
# title: Prices are positive (advisory)
# custom:
#   id: shop.prices
#   severity: low
warn_prices contains msg if {
	msg := "check"
}
"""


def source(text: str, path: str = "p.rego") -> PolicySource:
    return PolicySource(path, textwrap.dedent(text).lstrip("\n"))


def test_rule_annotation_is_read_with_its_custom_fields() -> None:
    annotations = parse_annotations(source(RULE))
    first = annotations[0]
    assert (first.package, first.rule, first.kind) == ("acme.shop.prices", "deny_prices", "deny")
    assert first.title == "Prices are positive"
    assert first.description == "Every price is above zero."
    assert first.custom == {"id": "shop.prices", "severity": "high", "input": "catalog",
                            "data": ["acme.params.currency"], "fix": "Set a positive price."}
    assert first.line == 3


def test_package_annotation_has_no_rule_and_package_scope_by_default() -> None:
    text = "# METADATA\n# title: Shop\npackage acme.shop\n"
    (ann,) = parse_annotations(source(text))
    assert (ann.package, ann.rule, ann.scope, ann.title) == ("acme.shop", None, "package", "Shop")


def test_indented_comment_blocks_are_not_annotations() -> None:
    text = "package a\n\nf if {\n  # METADATA\n  # title: nope\n  true\n}\n"
    assert parse_annotations(source(text)) == []


def test_invalid_yaml_is_an_error_naming_file_and_line() -> None:
    text = "package a\n\n# METADATA\n# title: [unclosed\ndeny contains 1 if true\n"
    with pytest.raises(PolicyError) as err:
        parse_annotations(source(text, "bad.rego"))
    assert err.value.file == "bad.rego" and err.value.line == 4


def test_unknown_annotation_key_is_an_error_as_in_opa() -> None:
    text = "package a\n\n# METADATA\n# severity: high\ndeny contains 1 if true\n"
    with pytest.raises(PolicyError, match="unknown annotation key"):
        parse_annotations(source(text))


def test_annotation_that_annotates_nothing_is_an_error() -> None:
    with pytest.raises(PolicyError, match="not followed by a package or rule"):
        parse_annotations(source("package a\n\n# METADATA\n# title: dangling\n"))


def test_render_lists_each_rule_in_the_summary_table() -> None:
    text = render(parse_annotations(source(CATEGORY)) + parse_annotations(source(RULE)))
    assert ("| `shop.prices` | deny | high | `catalog` | `acme.params.currency` "
            "| `data.acme.shop.prices.deny_prices` |") in text
    assert "| `shop.prices` | warn | low | - | - | `data.acme.shop.prices.warn_prices` |" in text


def test_render_groups_rules_under_their_category_and_one_heading_per_id() -> None:
    text = render(parse_annotations(source(CATEGORY)) + parse_annotations(source(RULE)))
    assert "## acme.shop - Shop\n\nRules about the shop." in text
    assert text.count("### shop.prices - Prices are positive\n") == 1
    assert "- Rego rule: `data.acme.shop.prices.deny_prices` (deny: blocks the merge, severity high)" in text
    assert "- Rego rule: `data.acme.shop.prices.warn_prices` (warn: does not block, severity low)" in text


def test_collect_reads_policy_files_but_not_their_tests(tmp_path: Path) -> None:
    (tmp_path / "shop.rego").write_text(textwrap.dedent(RULE), encoding="utf-8")
    test_policy = "# METADATA\n# title: t\npackage acme.shop_test\n"
    (tmp_path / "shop_test.rego").write_text(test_policy, encoding="utf-8")
    assert {a.package for a in collect([str(tmp_path)])} == {"acme.shop.prices"}
