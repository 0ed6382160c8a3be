"""Cobertura XML (``coverage xml``, JaCoCo or Istanbul converters): ``<class filename>``, ``<line hits>``.

Read with the stdlib expat parser, streaming, so every element has its line number for problems
and the report never sits in memory as a tree. Entity declarations are refused (no billion-laughs
expansion, no external entities); the caller bounds the report's size.
"""

from __future__ import annotations

from typing import Any
from xml.parsers import expat

from sentinel.extractors.base import problem
from sentinel.extractors.coverage.model import ParsedReport


class _EntityRefused(Exception):
    pass


def parse(data: bytes, report: str) -> ParsedReport:
    out = ParsedReport()
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[str] = []
    current: list[str | None] = [None]
    source_text: list[str] = []
    seen_root: list[bool] = [False]

    def start(name: str, attrs: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        if not stack:
            seen_root[0] = True
            if name != "coverage":
                out.problems.append(
                    problem(
                        report,
                        f"not a Cobertura report: root element is <{name}>",
                        line=line,
                        code="malformed_report",
                    )
                )
        parent = stack[-1] if stack else None
        stack.append(name)
        if name == "source":
            source_text.clear()
        elif name == "class":
            filename = attrs.get("filename")
            if not filename:
                out.problems.append(
                    problem(
                        report, "<class> without a filename attribute", line=line, code="malformed_report"
                    )
                )
            current[0] = filename or None
        elif name == "line" and parent == "lines" and len(stack) >= 3 and stack[-3] == "class":
            _line(attrs, line)

    def _line(attrs: dict[str, str], line: int) -> None:
        path = current[0]
        if path is None:
            return
        try:
            number = int(attrs["number"])
            hits = int(float(attrs.get("hits", "0")))
        except (KeyError, ValueError):
            out.problems.append(
                problem(report, "<line> needs an integer number and hits", line=line, code="malformed_report")
            )
            return
        if number < 1:
            out.problems.append(
                problem(report, f"line number {number} is not positive", line=line, code="malformed_report")
            )
            return
        fl = out.lines_for(path)
        fl.measured.add(number)
        if hits > 0:
            fl.covered.add(number)

    def end(name: str) -> None:
        stack.pop()
        if name == "source":
            text = "".join(source_text).strip()
            if text:
                out.sources.append(text)
        elif name == "class":
            current[0] = None

    def chars(text: str) -> None:
        if stack and stack[-1] == "source":
            source_text.append(text)

    def refuse_entity(*_: Any) -> None:
        raise _EntityRefused

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = refuse_entity
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        out.problems.append(
            problem(
                report,
                f"invalid XML: {expat.errors.messages[exc.code]}",
                line=exc.lineno,
                code="malformed_report",
            )
        )
    except _EntityRefused:
        out.problems.append(
            problem(
                report,
                "XML entity declarations are not allowed in a coverage report",
                line=parser.CurrentLineNumber,
                code="malformed_report",
            )
        )
    if not seen_root[0] and not out.problems:
        out.problems.append(problem(report, "empty XML document", line=1, code="malformed_report"))
    return out
