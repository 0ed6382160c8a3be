from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]

MAIN_TF = """
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
  acl    = var.acl
  tags   = { team = "infra" }

  versioning {
    enabled = true
  }
}

provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "us"
  region = "us-east-1"
}
"""


def test_labelled_blocks_nest_by_label_and_end_in_a_list_of_bodies(write_file: WriteFile) -> None:
    doc = parse_file(write_file("main.tf", MAIN_TF))
    assert doc["resource"] == {
        "aws_s3_bucket": {
            "logs": [
                {
                    "bucket": "logs",
                    "acl": "${var.acl}",
                    "tags": {"team": "infra"},
                    "versioning": [{"enabled": True}],
                }
            ]
        }
    }


def test_repeated_blocks_with_the_same_labels_share_one_list(write_file: WriteFile) -> None:
    doc = parse_file(write_file("main.tf", MAIN_TF))
    assert doc["provider"] == {"aws": [{"region": "eu-west-1"}, {"alias": "us", "region": "us-east-1"}]}


def test_expressions_become_interpolation_strings(write_file: WriteFile) -> None:
    path = write_file("vars.tf", 'locals {\n  name = "app-${var.env}"\n  n = length(var.list)\n}\n')
    assert parse_file(path) == {"locals": [{"name": "app-${var.env}", "n": "${length(var.list)}"}]}


def test_tfvars_and_hcl_files_use_hcl2(write_file: WriteFile) -> None:
    assert parse_file(write_file("prod.tfvars", 'region = "eu-west-1"\n')) == {"region": "eu-west-1"}
    assert parse_file(write_file("job.hcl", "count = 2\n")) == {"count": 2}


def test_hcl2_syntax_error_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.tf", 'resource "x" "y" {\n  a = 1\n  b = \n}\n')
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 3)
    assert "invalid HCL2" in info.value.message
