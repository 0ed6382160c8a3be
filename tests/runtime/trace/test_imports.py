"""Every trace module imports without the runtime extra's packages; they are loaded only when used."""

from __future__ import annotations

import subprocess
import sys

MODULES = ["checkpoint", "entry", "errors", "hashing", "merkle", "migrate", "prove", "repair", "sink",
           "verify", "writer"]


def test_trace_modules_import_without_the_optional_packages() -> None:
    code = (
        "import sys\n"
        "for name in ('cryptography', 'rfc8785', 'pymerkle', 'pydantic'):\n"
        "    sys.modules[name] = None\n"
        + "".join(f"import sentinel.runtime.trace.{m}\n" for m in MODULES)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
