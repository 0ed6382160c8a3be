"""conftest's ``doc``: one Markdown page per policy folder from its ``# METADATA`` annotations.

As conftest's document package: every ``.rego`` file under the folder except ``*_test.rego``,
annotations ordered by the path they annotate (``data.<package>[.<rule>]``, then file and line,
as OPA's flattened annotation set), one section per annotation whose heading depth follows the
path depth (the first section at depth 1, no level skipped). The default template is conftest's
``document/resources/document.md``, transcribed to Jinja2; ``--template`` takes a Jinja2 template
over the same fields (``RegoPackageName``, ``Depth``, ``MarkdownHeading``, ``Annotations.Title``,
``Annotations.Description``, ``Annotations.RelatedResources[].Ref/Description``), rendered in a
sandbox with undefined names as errors: a repository's template is hostile too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from sentinel.docs_gen import Annotation, parse_annotations
from sentinel.errors import PolicyError, UsageError
from sentinel.runner.loader import find_policies

# conftest v0.71 document/resources/document.md, with Go's {{- -}} trimming as Jinja2's.
DEFAULT_TEMPLATE = """\
{% for s in sections -%}
{{ s.MarkdownHeading }} {{ s.RegoPackageName }} - {{ s.Annotations.Title }}

{{ s.Annotations.Description }}
{% if s.Annotations.RelatedResources %}
Related Resources:
{% for r in s.Annotations.RelatedResources %}
{% if r.Description -%}
* [{{ r.Description }}]({{ r.Ref }})
{%- else -%}
* {{ r.Ref }}
{%- endif -%}
{% endfor %}
{% endif %}
{% endfor -%}
"""
MAX_TEMPLATE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Section:
    RegoPackageName: str
    Depth: int
    MarkdownHeading: str
    Annotations: dict[str, Any]


def _template_fields(ann: Annotation) -> dict[str, Any]:
    """OPA's annotation fields, values as written (OPA does not strip descriptions)."""
    raw = ann.raw

    def text(key: str) -> str:
        value = raw.get(key)
        return value if isinstance(value, str) else ""

    related = [{"Ref": ref, "Description": desc} for ref, desc in ann.related_resources]
    return {
        "Title": text("title"),
        "Description": text("description"),
        "RelatedResources": related,
        "Scope": ann.scope,
        "Custom": ann.custom,
    }


def sections(folder: str) -> list[Section]:
    sources = [s for s in find_policies([folder]) if not Path(s.path).name.endswith("_test.rego")]
    annotations = [a for source in sources for a in parse_annotations(source)]
    if not annotations:
        raise PolicyError("no annotations found", file=folder)
    annotations.sort(key=lambda a: (["data", *a.path.split(".")], a.file, a.line))
    out: list[Section] = []
    current, offset = 0, 1
    for i, ann in enumerate(annotations):
        depth = len(ann.path.split(".")) + 1 - offset
        if i == 0 and depth > 1:
            offset = depth
        depth = min(depth, current + 1)
        current = depth
        out.append(Section(ann.path, depth, "#" * depth, _template_fields(ann)))
    return out


def render(folder: str, template: str | None = None) -> str:
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    if template is None:
        source = DEFAULT_TEMPLATE
    else:
        path = Path(template)
        if not path.is_file():
            raise UsageError("template file does not exist", file=template)
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            raise UsageError(f"template is over {MAX_TEMPLATE_BYTES} bytes", file=template)
        source = path.read_text(encoding="utf-8")
    try:
        return env.from_string(source).render(sections=sections(folder))
    except jinja2.TemplateSyntaxError as exc:
        raise UsageError(f"invalid template: {exc.message}", file=template, line=exc.lineno) from exc
    except jinja2.TemplateError as exc:
        raise UsageError(f"cannot render the template: {exc}", file=template) from exc


def output_name(folder: str) -> str:
    """conftest names the page after the folder; ``.`` and ``..`` become ``policy``."""
    name = Path(folder).name
    return "policy.md" if name in ("", ".", "..") else f"{name}.md"
