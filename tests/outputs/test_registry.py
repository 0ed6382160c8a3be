"""The format registry in sentinel.outputs (its __init__)."""

from __future__ import annotations

import pytest

from sentinel import outputs
from sentinel.errors import UsageError
from sentinel.runner.results import CheckResult, Result


def test_names_lists_every_format_in_order() -> None:
    assert outputs.names() == ["stdout", "json", "tap", "table", "junit", "github", "sarif", "markdown",
                              "codeclimate", "buildkite"]


def test_each_name_gives_an_outputter_with_that_name() -> None:
    for name in outputs.names():
        assert outputs.get_outputter(name).name == name


def test_unknown_format_is_a_usage_error_listing_the_choices() -> None:
    with pytest.raises(UsageError) as excinfo:
        outputs.get_outputter("xml")
    assert str(excinfo.value) == (
        "unknown output format 'xml'; choose one of: stdout, json, tap, table, junit, github, sarif, "
        "markdown, codeclimate, buildkite"
    )


def test_every_format_renders_text_ending_in_a_newline() -> None:
    results = [CheckResult("a.json", "main", successes=1, failures=[Result("bad")])]
    for name in outputs.names():
        assert outputs.render(name, results).endswith("\n"), name
