"""The rule library shipped inside the package, and the default policy and data paths of every command.

The wheel carries ``policy-as-code/policies/**/*.rego`` and ``policy-as-code/data/*.yaml`` as
``sentinel/_library/{policies,data}`` (package data); in the source tree ``sentinel/_library`` is a
symlink to ``policy-as-code``, so editable installs and wheels find the library the same way.

Without ``--policy`` a command evaluates the shipped library plus the repository's own policy
folders (``policy`` in conftest.yml, else ``policy-as-code/policies`` when it exists). A
repository folder that *is* the library (this repository) or holds copies of its files is not
loaded twice. The library's data are defaults: data files override them, conftest.yml's
``params``/``exceptions`` override both.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sentinel.errors import SentinelError

REPO_POLICY = "policy-as-code/policies"
REPO_DATA = "policy-as-code/data"
CONFTEST_POLICY = "policy"


def library_dir() -> Path:
    path = Path(str(resources.files("sentinel").joinpath("_library")))
    if not (path / "policies").is_dir():
        raise SentinelError(f"the rule library shipped with Sentinel is missing ({path}); reinstall Sentinel")
    return path


def policy_dir() -> Path:
    return library_dir() / "policies"


def data_dir() -> Path:
    return library_dir() / "data"


@dataclass(frozen=True)
class Paths:
    """What a command evaluates: policy paths, data paths, and the library's default data paths."""

    policy: tuple[str, ...]
    data: tuple[str, ...]
    default_data: tuple[str, ...]
    # What the configuration file adds over all data (params, exceptions, disabled rules).
    data_config: Mapping[str, Any] | None = None


def resolve(
    explicit_policy: Sequence[str],
    configured_policy: Sequence[str],
    explicit_data: Sequence[str],
    configured_data: Sequence[str],
    use_library: bool,
    root: Path,
    fallbacks: Sequence[str] = (REPO_POLICY,),
) -> Paths:
    """The one place every command's default policy and data paths come from.

    The library's data defaults are loaded only with the library's policies (an explicit
    ``--policy`` is taken as conftest takes it, with just the data it is given).
    """
    policy = policy_paths(explicit_policy, configured_policy, use_library, root, fallbacks)
    with_library = use_library and not explicit_policy
    defaults = (str(data_dir()),) if with_library and data_dir().is_dir() else ()
    data = data_paths(explicit_data, configured_data, root, drop_shipped=bool(defaults))
    return Paths(policy=policy, data=data, default_data=defaults)


def policy_paths(
    explicit: Sequence[str],
    configured: Sequence[str],
    use_library: bool,
    root: Path,
    fallbacks: Sequence[str] = (REPO_POLICY,),
) -> tuple[str, ...]:
    """The policy paths a command evaluates.

    ``explicit`` (command line or environment) is taken as given, as conftest does. Otherwise the
    library (when ``use_library``) plus ``configured`` (conftest.yml), or else the first existing
    of the ``fallbacks`` folders under ``root``; conftest's ``policy`` folder alone when that is it.
    """
    if explicit:
        return tuple(explicit)
    own = list(configured) or [f for f in fallbacks if (root / f).is_dir()][:1]
    if not use_library or (own and own[0] == CONFTEST_POLICY and not configured):
        # conftest's own layout (a `policy` folder and no Sentinel configuration of policies)
        # keeps conftest's behaviour: just that folder.
        return tuple(own)
    library = policy_dir()
    paths: list[str] = [str(library)]
    library_real = library.resolve()
    hashes: set[str] | None = None
    for raw in own:
        if Path(raw).resolve() == library_real:
            paths[0] = raw  # the repository's spelling of the same folder reads better in reports
            continue
        if hashes is None:
            hashes = {_digest(f) for f in _rego_files(library)}
        paths.extend(_without_copies(raw, hashes))
    return tuple(dict.fromkeys(paths))


def data_paths(
    explicit: Sequence[str], configured: Sequence[str], root: Path, drop_shipped: bool = True
) -> tuple[str, ...]:
    """The data files and folders read on top of the library's defaults (without the library's
    own folder when ``drop_shipped``: its data are loaded as the defaults)."""
    chosen = list(explicit) or list(configured) or ([REPO_DATA] if (root / REPO_DATA).is_dir() else [])
    if not drop_shipped:
        return tuple(chosen)
    try:
        shipped = data_dir().resolve()
    except SentinelError:
        return tuple(chosen)
    return tuple(p for p in chosen if Path(p).resolve() != shipped)


def overlay(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge data documents, later layers winning: mappings merge key by key, anything else replaces."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if layer:
            _overlay_into(merged, layer)
    return merged


def _overlay_into(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _overlay_into(into[key], value)
        elif isinstance(value, Mapping):
            into[key] = overlay(value)
        else:
            into[key] = value


def _rego_files(root: Path) -> Iterable[Path]:
    if root.is_file():
        return [root] if root.suffix == ".rego" else []
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(Path(dirpath, f) for f in sorted(filenames) if f.endswith(".rego"))
    return found


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _without_copies(raw: str, library_hashes: set[str]) -> list[str]:
    """``raw``, or its files that are not byte-for-byte copies of library files (a vendored copy)."""
    path = Path(raw)
    if not path.exists():
        return [raw]  # the loader reports the missing path
    files = list(_rego_files(path))
    kept = [f for f in files if _digest(f) not in library_hashes]
    if len(kept) == len(files):
        return [raw]
    return [str(f) for f in kept]
