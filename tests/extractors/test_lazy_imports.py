"""GitPython and detect-secrets (each ~80-90 ms to import) load only when a command uses them."""

from __future__ import annotations

import subprocess
import sys


def test_cli_start_up_imports_neither_gitpython_nor_detect_secrets() -> None:
    probe = (
        "import sys, sentinel.cli.check, sentinel.extractors.run, sentinel.extractors.secrets\n"
        "import sentinel.extractors.tenancy\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('git', 'gitdb', 'detect_secrets')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
