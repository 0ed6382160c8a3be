"""SIGHUP reloads the policies while requests keep coming: no request sees a half-loaded pack."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from tests.runtime.api.conftest import StartServer
from testsupport.files import write

V1 = 'package sentinel.decision\n\nimport rego.v1\n\ndeny contains "v1 denies" if true\n'
V2 = 'package sentinel.decision\n\nimport rego.v1\n\ndeny contains "v2 denies" if input.action == "delete"\n'
REQUEST = {"tenant": "acme", "subject": "bob", "action": "read", "resource": "doc/1"}


def test_requests_during_a_reload_see_the_old_pack_or_the_new_one_whole(
    start_server: StartServer, tmp_path: Path
) -> None:
    policy = tmp_path / "policy"
    write(policy, "decision.rego", V1)
    service = start_server("--policy", str(policy))
    old = service.client.get("/readyz").json()["revision"]
    seen: list[tuple[str, str, tuple[str, ...]]] = []
    errors: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        import httpx

        with httpx.Client(base_url=service.url, timeout=10) as client:
            while not stop.is_set():
                response = client.post("/v1/evaluate", json=REQUEST)
                if response.status_code != 200:
                    errors.append(response.text)
                    continue
                body = response.json()
                messages = tuple(r["message"] for r in body["reasons"])
                seen.append((body["policy_revision"], body["decision"], messages))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 10
        while len(seen) < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        write(policy, "decision.rego", V2)
        os.kill(service.server.pid, signal.SIGHUP)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and service.client.get("/readyz").json()["revision"] == old:
            time.sleep(0.05)
        count = len(seen)
        while len(seen) < count + 50 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    new = service.client.get("/readyz").json()["revision"]
    assert new != old
    assert not errors
    by_revision = {revision: {(decision, reasons) for _, decision, reasons in seen if _ == revision}
                   for revision in {s[0] for s in seen}}
    assert set(by_revision) == {old, new}
    assert by_revision[old] == {("deny", ("v1 denies",))}
    assert by_revision[new] == {("allow", ())}


def test_a_broken_policy_on_reload_keeps_the_loaded_one(start_server: StartServer, tmp_path: Path) -> None:
    policy = tmp_path / "policy"
    write(policy, "decision.rego", V1)
    service = start_server("--policy", str(policy))
    old = service.client.get("/readyz").json()["revision"]
    write(policy, "decision.rego", "package sentinel.decision\n\ndeny contains if {{{\n")
    os.kill(service.server.pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "policy_reload_total{outcome=\"error\"}" not in service.client.get(
        "/metrics"
    ).text:
        time.sleep(0.05)
    assert service.client.get("/readyz").json()["revision"] == old
    assert service.client.post("/v1/evaluate", json=REQUEST).json()["reasons"][0]["message"] == "v1 denies"
