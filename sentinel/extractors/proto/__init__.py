"""``proto`` kind: the schema of every selected .proto file, and buf-style breaking changes.

Options (``extract.options.proto`` in conftest.yml):

- ``include_paths`` (list of repo-relative folders, default ``["."]``): protoc's ``-I`` roots, in
  order; imports resolve against them and the well-known types shipped with grpcio-tools. A
  .proto file outside every include path is reported as a problem.
- ``ignore`` (list of gitwildmatch globs, default ``[]``): files left out of the comparison with
  the base revision (like buf's ``breaking.ignore``), on both sides. They are still compiled.
- ``except`` (list of buf rule ids or categories, default ``[]``): changes of these rules (or of
  the rules in these categories) are left out of ``changes``, like buf's ``breaking.except``.
- ``ignore_only`` (mapping of buf rule id or category to gitwildmatch globs, default ``{}``): a
  change of that rule in a matching file is left out, like buf's ``breaking.ignore_only``.

Without these options in conftest.yml, the configuration loader takes them from ``buf.yaml``.

With a base revision the same files are read from git at that revision (never checking anything
out), compiled in a temporary folder and compared: ``changes`` holds every difference as a buf
rule id with its categories, ``additions`` the new files, messages, enums, values, fields and
RPCs, ``deleted_fields`` whether a deleted field's number and name are reserved in the head.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import pathspec

from sentinel.extractors import gitrepo
from sentinel.extractors.base import ExtractContext, document, problem
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.proto.breaking import CATEGORY_ORDER, RULE_CATEGORIES, Report, compare
from sentinel.extractors.selection import printable_name, unsafe_name

if TYPE_CHECKING:
    from sentinel.extractors.proto.descriptors import CompileResult

KIND = "proto"


def extract(ctx: ExtractContext) -> dict[str, Any]:
    include_paths = _str_list(ctx.options, "include_paths", ["."])
    ignore = pathspec.PathSpec.from_lines("gitwildmatch", _str_list(ctx.options, "ignore", []))
    excepted = _rule_ids(_str_list(ctx.options, "except", []), "except")
    ignore_only = _ignore_only(ctx.options.get("ignore_only", {}))
    problems: list[dict[str, Any]] = []

    existing_includes = []
    for inc in include_paths:
        if unsafe_name(inc):
            problems.append(problem(printable_name(inc), "include path holds control characters; skipped",
                                    code="bad_option"))
        elif (ctx.root / inc).is_dir():
            existing_includes.append(inc)
        else:
            problems.append(problem(inc, "include path is not a folder of the repository", code="bad_option"))
    selected = [f for f in ctx.files if f.endswith(".proto")]
    head_files: dict[str, dict[str, Any]] = {}
    if selected:
        # Loaded only here: protobuf and grpc_tools cost ~30 ms to import, and most trees hold no .proto.
        from sentinel.extractors.proto.descriptors import compile_files, proto_name

        names: dict[str, str] = {}
        for rel in selected:
            name = proto_name(rel, existing_includes)
            if name is None:
                problems.append(problem(rel, f"not under any include path ({', '.join(include_paths)}); "
                                        "skipped", line=1, code="outside_include_paths"))
            else:
                names[name] = rel
        if names:
            head = compile_files(ctx.root, list(names), existing_includes)
            head_files = _records(head, names)
            problems += _compile_problems(ctx.root, head, names, existing_includes, "compile_error", "")

    base_sha: str | None = None
    report = Report()
    if ctx.base is not None:
        base_sha = gitrepo.resolve(ctx.root, ctx.base)
        base_files, base_problems = _compile_base(ctx, base_sha, existing_includes, set(selected), ignore)
        problems += base_problems
        compared_head = {p: r for p, r in head_files.items() if not ignore.match_file(p)}
        present = {p for p in selected if not ignore.match_file(p)}
        report = compare(base_files, compared_head, present)
        report.changes = [c for c in report.changes if not _left_out(c, excepted, ignore_only)]

    return document(
        ctx,
        KIND,
        base=base_sha,
        compared=base_sha is not None,
        include_paths=include_paths,
        files=[head_files[p] for p in sorted(head_files)],
        changes=report.changes,
        additions=report.additions,
        deleted_fields=report.deleted_fields,
        problems=problems,
    )


def _str_list(options: dict[str, Any], key: str, default: list[str]) -> list[str]:
    value = options.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ExtractorUsageError(f"proto option {key!r} must be a list of strings")
    return list(value)


def _rule_ids(values: list[str], option: str) -> set[str]:
    unknown = [v for v in values if v not in RULE_CATEGORIES and v not in CATEGORY_ORDER]
    if unknown:
        raise ExtractorUsageError(
            f"proto option {option!r}: unknown buf rule id or category {', '.join(unknown)}"
        )
    return set(values)


def _ignore_only(value: Any) -> dict[str, pathspec.PathSpec]:
    if not isinstance(value, dict) or not all(
        isinstance(globs, list) and all(isinstance(g, str) for g in globs) for globs in value.values()
    ):
        raise ExtractorUsageError("proto option 'ignore_only' must map buf rule ids to lists of globs")
    _rule_ids([str(rule) for rule in value], "ignore_only")
    return {str(rule): pathspec.PathSpec.from_lines("gitwildmatch", globs) for rule, globs in value.items()}


def _left_out(change: dict[str, Any], excepted: set[str], ignore_only: dict[str, pathspec.PathSpec]) -> bool:
    """Whether buf's except / ignore_only drop this change (by its rule id or one of its categories)."""
    names = {change["rule"], *change["categories"]}
    if names & excepted:
        return True
    return any(spec.match_file(change["file"]) for name, spec in ignore_only.items() if name in names)


def _records(result: CompileResult, names: dict[str, str]) -> dict[str, dict[str, Any]]:
    from sentinel.extractors.proto.descriptors import Converter

    conv = Converter(result.files)
    return {names[f.name]: conv.file_record(f, names[f.name]) for f in result.files if f.name in names}


def _compile_problems(root: Path, result: CompileResult, names: dict[str, str], includes: Sequence[str],
                      code: str, prefix: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, int | None, str]] = set()
    for _, errors in sorted(result.errors.items()):
        for err in errors:
            rel = names.get(err.name) or _repo_path(root, err.name, includes) or err.name
            key = (rel, err.line, err.message)
            if key not in seen:
                seen.add(key)
                out.append(problem(rel, f"{prefix}protoc: {err.message}", line=err.line, code=code))
    return out


def _repo_path(root: Path, name: str, includes: Sequence[str]) -> str | None:
    """The repository path protoc meant by import path ``name``: the first include path holding it."""
    for inc in includes:
        candidate = PurePosixPath(inc.replace("\\", "/"), name).as_posix()
        candidate = candidate[2:] if candidate.startswith("./") else candidate
        if (root / candidate).is_file():
            return candidate
    return None


def _compile_base(ctx: ExtractContext, sha: str, includes: Sequence[str], selected: set[str],
                  ignore: pathspec.PathSpec) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Compile the base revision's versions of the compared files, written to a temp folder."""
    blobs = gitrepo.blobs_at(ctx.root, sha, (".proto",))
    problems: list[dict[str, Any]] = []
    if not blobs:
        return {}, problems
    from sentinel.extractors.proto.descriptors import compile_files, proto_name

    for rel in [r for r in blobs if not _safe_relpath(r)]:
        del blobs[rel]
        if not ignore.match_file(rel):
            problems.append(problem(printable_name(rel), f"at base {sha[:12]}: unsafe file name (control "
                                    "characters or not a plain relative path); skipped", code="unsafe_name"))
    names: dict[str, str] = {}
    for rel in blobs:
        if ignore.match_file(rel):
            continue
        if rel not in selected and (ctx.root / rel).exists():
            continue  # present in the working tree but not selected: not ours to compare
        name = proto_name(rel, includes)
        if name is not None:
            names[name] = rel
    if not names:
        return {}, problems
    with tempfile.TemporaryDirectory(prefix="sentinel-proto-base-") as tmp:
        tmp_root = Path(tmp)
        for rel, data in blobs.items():
            target = tmp_root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for inc in includes:
            (tmp_root / inc).mkdir(parents=True, exist_ok=True)
        result = compile_files(tmp_root, list(names), includes)
        prefix = f"at base {sha[:12]}: "
        problems += _compile_problems(tmp_root, result, names, includes, "base_compile_error", prefix)
    return _records(result, names), problems


def _safe_relpath(rel: str) -> bool:
    """A path from a git tree that is safe to write under a temporary folder.

    git refuses such trees on checkout, but a crafted base commit can still hold them.
    """
    parts = rel.split("/")
    return not unsafe_name(rel) and all(p not in ("", ".", "..") for p in parts)
