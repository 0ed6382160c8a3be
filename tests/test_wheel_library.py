"""The built wheel carries the rule library: installed as a library, away from this repository,
``sentinel`` runs, lists and verifies the shipped rules with no ``-p``; ``sentinel`` is its only
top-level import package (the extractors install as ``sentinel.extractors``).

The wheel is built offline (no index, no build isolation, a dead proxy, so nothing is fetched) from
a copy of the sources, so the build writes no ``build/`` or ``*.egg-info`` into the work tree. It is
unpacked and put on ``PYTHONPATH`` of the project's interpreter, run from an empty folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the wheel is built from (pyproject.toml's packages and package data; sentinel/_library is a
# relative symlink to policy-as-code/).
SOURCES = ["pyproject.toml", "README.md", "sentinel", "extractors", "policy-as-code"]
CLI = 'import sys; from sentinel.cli import main; sys.argv[0] = "sentinel"; main()'
TODOS = ('{"kind": "todos", "schema_version": 1, "root": ".", "revision": null, "todos": '
         '[{"marker": "TODO", "text": "fix", "ticket": null, "file": "a.py", "line": 3}]}')
_DEAD_PROXY = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the sources."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull,
           "HTTP_PROXY": _DEAD_PROXY, "HTTPS_PROXY": _DEAD_PROXY, "http_proxy": _DEAD_PROXY,
           "https_proxy": _DEAD_PROXY}
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(base / "dist"), "."],
        cwd=source, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (built_wheel,) = (base / "dist").glob("sentinel_policy-*.whl")
    return built_wheel


@pytest.fixture(scope="module")
def unpacked(wheel: Path) -> Path:
    target = wheel.parent.parent / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def test_build_gives_an_sdist_and_a_wheel_that_pass_twine_check(tmp_path: Path) -> None:
    """``python -m build`` (offline: no isolation) makes the sdist, then the wheel from the sdist; both
    pass ``twine check``, and the wheel built from the sdist still carries the rule library."""
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), "."],
                           cwd=source, capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    sdists, wheels = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, sdists + wheels)],
                             capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with zipfile.ZipFile(wheels[0]) as archive:
        names = archive.namelist()
    assert sum(n.endswith(".rego") for n in names) > 20


def test_sentinel_is_the_only_top_level_import_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"sentinel"}
    assert "sentinel/extractors/run.py" in names
    assert "sentinel/extractors/schemas/imports.json" in names
    assert "sentinel/bot/templates/comment.md.j2" in names or any(
        n.startswith("sentinel/bot/templates/") for n in names)
    assert any(n.startswith("sentinel/_library/policies/") and n.endswith(".rego") for n in names)
    # The runtime's shipped policies (the risk table, the decision package) travel with the CI library.
    assert "sentinel/_library/runtime/risk/risk.rego" in names


def test_the_wheel_admits_python_3_12_and_3_13(wheel: Path) -> None:
    from packaging.specifiers import SpecifierSet

    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(meta).decode()
        wheel_info = archive.read(meta.replace("METADATA", "WHEEL")).decode()
    requires = re.search(r"^Requires-Python: (.+)$", metadata, flags=re.MULTILINE)
    assert requires, metadata[:500]
    spec = SpecifierSet(requires.group(1))
    admitted = {v for v in ("3.10", "3.11", "3.12", "3.13", "3.14") if v in spec}
    assert {"3.11", "3.12", "3.13", "3.14"} <= admitted
    assert "3.10" not in spec
    assert "Tag: py3-none-any" in wheel_info
    # Test-only tools are not runtime dependencies.
    runtime = [line for line in metadata.splitlines()
               if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert not [line for line in runtime if re.match(r"Requires-Dist: (coverage|pytest|hypothesis)\b", line)]


def test_a_fresh_venv_with_the_wheel_installed_checks_a_repository(wheel: Path, tmp_path: Path) -> None:
    """Not editable, no source tree: the console script from the installed wheel runs ``sentinel check``.

    The wheel is installed with ``--no-deps`` (no network here); the dependencies come from the
    project's environment through a path entry, which, unlike a site directory, runs none of its
    ``.pth`` files, so the editable install of this checkout stays out of sight."""
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "project_dependencies.pth").write_text(deps + "\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SENTINEL_", "PYTHON", "HYPOTHESIS", "PIP_"))}
    pip = [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)]
    installed = subprocess.run(pip, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("def f():\n    # TODO make this faster\n    return 1\n", encoding="utf-8")
    commit = ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "c"]
    for args in (["init", "-q"], ["add", "."], commit):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import sentinel; print(sentinel.__file__)"],
                           cwd=repo, env=env, capture_output=True, text=True, check=True).stdout
    assert Path(where.strip()).resolve().is_relative_to(venv.resolve())
    done = subprocess.run([str(venv / "bin" / "sentinel"), "check"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "marker_without_ticket" in done.stdout
    assert "make this faster" in done.stdout


def _run(unpacked: Path, cwd: Path, *args: str, code: str = CLI) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SENTINEL_", "PYTHON", "HYPOTHESIS"))}
    env["PYTHONPATH"] = str(unpacked)
    env["PYTHONNOUSERSITE"] = "1"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture
def empty_cwd(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_the_package_and_its_library_come_from_the_unpacked_wheel(unpacked: Path, empty_cwd: Path) -> None:
    done = _run(unpacked, empty_cwd, code=(
        "import sentinel, sentinel.extractors.run as run; from sentinel.library import library_dir; "
        "print(sentinel.__file__); print(run.__file__); print(library_dir())"
    ))
    assert done.returncode == 0, done.stderr
    paths = [Path(line) for line in done.stdout.split()]
    assert len(paths) == 3
    for path in paths:
        assert path.resolve().is_relative_to(unpacked.resolve())
    library = paths[2]
    assert not library.is_symlink()
    assert len(list((library / "policies").rglob("*.rego"))) > 20


def test_the_library_shipped_in_the_wheel_is_listed(unpacked: Path, empty_cwd: Path) -> None:
    done = _run(unpacked, empty_cwd, "policies", "list")
    assert done.returncode == 0, done.stderr
    rules = set(re.findall(r"^([a-z_]+\.[a-z_]+)\s", done.stdout, flags=re.MULTILINE))
    assert {"technical_debt.marker_without_ticket", "security.secret_in_code",
            "architecture.forbidden_import"} <= rules
    assert len(rules) > 20


def test_verify_without_a_policy_path_runs_the_shipped_library_tests(unpacked: Path, empty_cwd: Path) -> None:
    done = _run(unpacked, empty_cwd, "verify")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = re.search(r"^(\d+) tests?, (\d+) passed, 0 warnings, 0 failures", done.stdout,
                        flags=re.MULTILINE)
    assert summary, done.stdout
    assert int(summary.group(1)) == int(summary.group(2)) > 100


def test_test_without_a_policy_path_applies_the_shipped_rules(
    unpacked: Path, empty_cwd: Path, tmp_path: Path,
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "todos.json").write_text(TODOS, encoding="utf-8")
    done = _run(unpacked, empty_cwd, "test", "--all-namespaces", str(inputs / "todos.json"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "sentinel.technical_debt.marker_without_ticket" in done.stdout
    assert 'TODO marker without a ticket id ("fix")' in done.stdout
