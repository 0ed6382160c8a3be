from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]

DOC = """SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: example
DocumentNamespace: https://example.invalid/spdx/example-1
Creator: Tool: sentinel-test
Created: 2024-01-01T00:00:00Z

PackageName: left-pad
SPDXID: SPDXRef-Package-left-pad
PackageVersion: 1.3.0
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageLicenseConcluded: MIT
PackageLicenseDeclared: MIT
PackageCopyrightText: NOASSERTION

Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-Package-left-pad
"""


def test_spdx_tag_value_becomes_the_spdx_json_document(write_file: WriteFile) -> None:
    doc = parse_file(write_file("sbom.spdx", DOC))
    assert doc["spdxVersion"] == "SPDX-2.3"
    assert doc["creationInfo"] == {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: sentinel-test"]}
    assert [(p["name"], p["versionInfo"], p["licenseConcluded"]) for p in doc["packages"]] == [
        ("left-pad", "1.3.0", "MIT")
    ]
    assert doc["relationships"] == [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                                     "relatedSpdxElement": "SPDXRef-Package-left-pad"}]


def test_spdx_unknown_tag_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.spdx", "SPDXVersion: SPDX-2.3\nNotATag: x\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 2)
