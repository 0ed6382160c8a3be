"""``secrets`` kind: likely secrets in the tree, found by detect-secrets; never the secret itself.

Each finding carries the detect-secrets type (``rule``), the plugin, file, line and the SHA-1 of
the secret (``fingerprint``, detect-secrets' ``hashed_secret``), so it can be matched against a
``.secrets.baseline``. Options (``extract.options.secrets`` in conftest.yml):

- ``baseline`` (default ``.secrets.baseline`` when that file exists): a detect-secrets baseline;
  ``false`` or ``""`` turns it off. A baseline named here but missing is an error (exit 2).
- ``baseline_mode`` (``mark``): ``mark`` keeps baseline findings with ``in_baseline: true``;
  ``filter`` leaves them out.
- ``use_baseline_settings`` (true): take ``plugins_used`` / ``filters_used`` from the baseline, as
  ``detect-secrets-hook`` does.
- ``disable_plugins`` ([]): plugin class names to turn off, e.g. ``IPPublicDetector``.
- ``base64_limit`` / ``hex_limit`` (4.5 / 3.0, or the baseline's): entropy limits.
- ``keyword_exclude`` (none): a regex; lines matching it are not checked by ``KeywordDetector``.
- ``exclude_files`` / ``exclude_lines`` / ``exclude_secrets`` ([]): regexes, detect-secrets'
  ``--exclude-files`` / ``--exclude-lines`` / ``--exclude-secrets``.
- ``context_paths`` (see ``context.DEFAULT_PATHS``): context (``notebook``, ``ci``, ``fixture``,
  ``test``, ``docs``) -> gitwildmatch globs; a list given replaces that context's default.

Every finding carries a ``context`` (``code`` unless its path or, in Rust, a ``#[cfg(test)]``
item puts it in another); ``security.secret_in_code`` weighs findings by it. Besides
detect-secrets' filters, values equal to their own variable name, git commit ids in VCS metadata
files or under revision keys, and base64 image data in notebook outputs are left out (``filters``).
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sentinel.extractors.base import ExtractContext, document, problem
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.secrets import context

KIND = "secrets"
# Bump when this kind's per-file records change (sentinel.extractors.cache keys on it).
CACHE_VERSION = 1
DEFAULT_BASELINE = ".secrets.baseline"
ENGINE = "detect-secrets"
# Option -> detect-secrets regex filter (its --exclude-files / --exclude-lines / --exclude-secrets).
REGEX_FILTERS = {
    f"exclude_{what}s": f"detect_secrets.filters.regex.should_exclude_{what}"
    for what in ("file", "line", "secret")
}
_KNOWN_OPTIONS = {
    "baseline",
    "baseline_mode",
    "use_baseline_settings",
    "disable_plugins",
    "base64_limit",
    "hex_limit",
    "keyword_exclude",
    "context_paths",
    *REGEX_FILTERS,
}


def _option_error(name: str, message: str) -> ExtractorError:
    return ExtractorError(f"extract.options.secrets.{name}: {message}")


def _regex_list(options: dict[str, Any], name: str) -> list[str]:
    value = options.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _option_error(name, "must be a list of regular expressions")
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _option_error(name, f"invalid regular expression {pattern!r}: {exc}") from exc
    return list(value)


def _limit(options: dict[str, Any], name: str) -> float | None:
    value = options.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= float(value) <= 8:
        raise _option_error(name, "must be a number between 0 and 8")
    return float(value)


def _check_options(options: dict[str, Any]) -> None:
    unknown = sorted(set(options) - _KNOWN_OPTIONS)
    if unknown:
        raise _option_error(unknown[0], f"unknown option; choose from {', '.join(sorted(_KNOWN_OPTIONS))}")
    if options.get("baseline_mode", "mark") not in ("mark", "filter"):
        raise _option_error("baseline_mode", "must be 'mark' or 'filter'")
    disabled = options.get("disable_plugins", [])
    if not isinstance(disabled, list) or not all(isinstance(v, str) for v in disabled):
        raise _option_error("disable_plugins", "must be a list of plugin class names")
    kw = options.get("keyword_exclude")
    if kw is not None:
        if not isinstance(kw, str):
            raise _option_error("keyword_exclude", "must be a regular expression")
        try:
            re.compile(kw)
        except re.error as exc:
            raise _option_error("keyword_exclude", f"invalid regular expression: {exc}") from exc


def _known_plugins() -> list[str]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: dict[str, Any] = get_mapping_from_secret_type_to_class()
    return sorted(cls.__name__ for cls in classes.values())


def _default_filters() -> list[dict[str, Any]]:
    from detect_secrets.settings import Settings

    defaults = Settings()
    return [{"path": p} for p in sorted(set(defaults.filters) - Settings.DEFAULT_FILTERS)]


def _baseline_path(ctx: ExtractContext) -> tuple[str | None, bool]:
    """(repo-relative baseline path or None, whether it was asked for explicitly)."""
    value = ctx.options.get("baseline", None)
    if value is None:
        return (DEFAULT_BASELINE if ctx.path(DEFAULT_BASELINE).is_file() else None), False
    if value is False or value == "":
        return None, False
    if not isinstance(value, str):
        raise _option_error("baseline", "must be a path relative to the repository root, or false")
    return Path(value).as_posix().removeprefix("./"), True


def _settings(options: dict[str, Any], base: Any, known: list[str]) -> dict[str, Any]:
    """detect-secrets settings (``plugins_used`` / ``filters_used``) for this run."""
    use_base = base is not None and options.get("use_baseline_settings", True)
    plugins: list[dict[str, Any]]
    if use_base and base.plugins_used is not None:
        plugins = [dict(p) for p in base.plugins_used]
    else:
        plugins = [{"name": name} for name in known]
    filters: list[dict[str, Any]]
    if use_base and base.filters_used is not None:
        filters = [dict(f) for f in base.filters_used]
    else:
        filters = _default_filters()

    disabled = set(options.get("disable_plugins", []))
    for name in sorted(disabled - set(known)):
        raise _option_error(
            "disable_plugins", f"unknown detect-secrets plugin {name!r}; choose from {', '.join(known)}"
        )
    plugins = [p for p in plugins if p["name"] not in disabled]
    limits = {
        "Base64HighEntropyString": _limit(options, "base64_limit"),
        "HexHighEntropyString": _limit(options, "hex_limit"),
    }
    for plugin in plugins:
        if limits.get(plugin["name"]) is not None:
            plugin["limit"] = limits[plugin["name"]]
        elif plugin["name"] == "KeywordDetector" and options.get("keyword_exclude"):
            plugin["keyword_exclude"] = options["keyword_exclude"]

    for option, path in REGEX_FILTERS.items():
        patterns = _regex_list(options, option)
        if not patterns:
            continue
        existing = next((f for f in filters if f["path"] == path), None)
        if existing is None:
            filters.append({"path": path, "pattern": patterns})
        else:
            old = existing.get("pattern") or []
            existing["pattern"] = [*(old if isinstance(old, list) else [old]), *patterns]
    return {"plugins_used": plugins, "filters_used": filters}


def _load_baseline(
    ctx: ExtractContext, rel: str | None, explicit: bool, known: list[str]
) -> tuple[Any, list[dict[str, Any]]]:
    from sentinel.extractors.base import read_source
    from sentinel.extractors.secrets import baseline

    if rel is None:
        return None, []
    if not ctx.path(rel).is_file():
        if explicit:
            # A baseline named in the configuration that is not there would turn every audited
            # false positive back into a finding, or hide that the file was lost: an error (exit 2).
            raise _option_error(
                "baseline", f"configured baseline not found: {rel} (create it, or set baseline: false)"
            )
        return None, []
    text, prob = read_source(ctx, rel)
    if prob is not None:
        prob["code"] = "baseline"
        return None, [prob]
    assert text is not None
    return baseline.parse(rel, text, set(known))


def _scan_cached(ctx: ExtractContext, files: tuple[str, ...], settings: dict[str, Any]) -> list[Any]:
    """:func:`_scan`, for the files whose (findings, problems, scanned) are not in the cache; the
    cached ones come back as one more batch result. The detect-secrets settings (options and
    baseline) are part of the key."""
    from sentinel.extractors import cache
    from sentinel.extractors.secrets import engine

    run = cache.CachedRun(ctx, KIND, CACHE_VERSION, files, salt=settings, types=(engine.RawFinding,))
    if len(run.missing) == len(files) and ctx.cache is None:
        return _scan(ctx, files, settings)
    results = _scan(ctx, tuple(files[i] for i in run.missing), settings) if run.missing else []
    findings: dict[str, list[Any]] = {}
    problems: dict[str, list[dict[str, Any]]] = {}
    scanned: set[str] = set()
    for result in results:
        for f in result.findings:
            findings.setdefault(f.file, []).append(f)
        for p in result.problems:
            problems.setdefault(p["file"], []).append(p)
        scanned.update(result.scanned_files)
    for i in run.missing:
        rel = files[i]
        run.store(i, (findings.get(rel, []), problems.get(rel, []), rel in scanned))
    run.close()
    hits = [run.hits[i] for i in sorted(run.hits)]
    results.append(engine.BatchResult(
        findings=[f for found, _, _ in hits for f in found],
        problems=[p for _, probs, _ in hits for p in probs],
        scanned=sum(1 for _, _, was in hits if was),
    ))
    return results


def _scan(ctx: ExtractContext, files: tuple[str, ...], settings: dict[str, Any]) -> list[Any]:
    """Scan ``files`` in batches, on all cores when there are many.

    Batches, not files, are the unit of work: each batch sets detect-secrets' process-global
    settings up once. ``parallel_map`` hands out at least 16 items per worker, which would put a
    handful of batches on one core, so the pool is used directly (one batch per task); batches
    take every n-th file so they are about equally heavy.
    """
    from sentinel.extractors.secrets import engine

    workers = ctx.jobs or os.cpu_count() or 1
    if workers <= 1 or len(files) < 200:
        return [engine.scan_batch(engine.Batch(str(ctx.root), files, settings, ctx.max_file_bytes))]
    count = workers * 4
    root = str(ctx.root)
    batches = [engine.Batch(root, files[i::count], settings, ctx.max_file_bytes) for i in range(count)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(engine.scan_batch, batches))


def _contexts(
    ctx: ExtractContext, found: list[Any], classify: context.Classifier
) -> dict[tuple[str, int], str]:
    """(file, line) -> context of every finding; Rust files are parsed for ``#[cfg(test)]``."""
    from sentinel.extractors.base import read_source

    out: dict[tuple[str, int], str] = {}
    ranges: dict[str, list[tuple[int, int]]] = {}
    for f in found:
        kind = classify.of_path(f.file)
        if kind == context.CODE and f.file.endswith(".rs"):
            if f.file not in ranges:
                text, _ = read_source(ctx, f.file)
                ranges[f.file] = context.rust_test_ranges(text) if text is not None else []
            if context.in_ranges(f.line, ranges[f.file]):
                kind = "test"
        out[(f.file, f.line)] = kind
    return out


def extract(ctx: ExtractContext) -> dict[str, Any]:
    from detect_secrets.__version__ import VERSION

    from sentinel.extractors.secrets import engine

    options = dict(ctx.options)
    _check_options(options)
    classify = context.classifier(options.get("context_paths"))
    known = _known_plugins()
    baseline_rel, explicit = _baseline_path(ctx)
    base, problems = _load_baseline(ctx, baseline_rel, explicit, known)
    settings = _settings(options, base, known)
    try:
        plugins, filters = engine.describe(settings)
    except Exception as exc:  # a baseline's plugin or filter settings the library cannot use
        if base is None:
            raise
        problems.append(
            problem(
                base.file,
                f"baseline settings cannot be used ({exc}); scanning with the defaults",
                line=1,
                code="baseline",
            )
        )
        settings = _settings(options, None, known)
        plugins, filters = engine.describe(settings)

    files = tuple(f for f in ctx.files if f != baseline_rel)
    results = _scan_cached(ctx, files, settings)

    mode = options.get("baseline_mode", "mark")
    entries: dict[tuple[str, str, str], bool | None] = base.entries if base is not None else {}
    findings = []
    scanned = 0
    raw = [f for result in results for f in result.findings]
    where = _contexts(ctx, raw, classify)
    for result in results:
        scanned += result.scanned
        problems.extend(result.problems)
        for f in result.findings:
            key = (f.file, f.type, f.hashed_secret)
            in_baseline = key in entries
            if in_baseline and mode == "filter":
                continue
            findings.append(
                {
                    "rule": f.type,
                    "plugin": f.plugin,
                    "file": f.file,
                    "line": f.line,
                    "context": where[(f.file, f.line)],
                    "fingerprint": f.hashed_secret,
                    "is_verified": False,
                    "in_baseline": in_baseline,
                    "is_secret": entries.get(key),
                }
            )
    findings.sort(key=lambda x: (x["file"], x["line"], x["rule"], x["fingerprint"]))
    in_base = sum(1 for f in findings if f["in_baseline"])
    return document(
        ctx,
        KIND,
        engine={"name": ENGINE, "version": VERSION, "plugins": plugins, "filters": filters},
        baseline={
            "file": baseline_rel if base is not None else None,
            "mode": mode,
            "entries": len(entries),
            "settings_from_baseline": bool(base is not None and options.get("use_baseline_settings", True)),
        },
        findings=findings,
        totals={
            "files_scanned": scanned,
            "findings": len(findings),
            "in_baseline": in_base,
            "new": len(findings) - in_base,
        },
        problems=problems,
    )
