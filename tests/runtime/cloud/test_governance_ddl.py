"""The PostgreSQL DDL in docs/governance-api-plan.md runs on a real PostgreSQL and does what it says."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from testsupport.processes import find_program, free_port, require_program, start

DOC = Path(__file__).resolve().parents[3] / "docs" / "governance-api-plan.md"
HEX = "a" * 64


def ddl_from_doc() -> str:
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, "docs/governance-api-plan.md must hold exactly one ```sql block"
    return blocks[0]


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: under root, drop to the ``postgres`` user with setpriv."""
    if os.geteuid() != 0:
        return []
    return [
        require_program("setpriv", "util-linux"),
        "--reuid",
        "postgres",
        "--regid",
        "postgres",
        "--init-groups",
    ]


def _pg_program(name: str) -> str:
    """Debian keeps the server programs in /usr/lib/postgresql/<version>/bin, off PATH."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    return find_program(name, *versions) or require_program(name, "apt-get install postgresql")


Psql = Callable[[str], subprocess.CompletedProcess[str]]


def _wait_until_ready(run: Psql, timeout: float = 60.0) -> None:
    """The port opens before recovery ends ("the database system is starting up"): poll until a query runs."""
    deadline = time.monotonic() + timeout
    while (answer := run("SELECT 1;")).returncode != 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"PostgreSQL not ready within {timeout} s: {answer.stderr}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def psql() -> Iterator[Psql]:
    initdb, postgres, client = (_pg_program(name) for name in ("initdb", "postgres", "psql"))
    folder = Path(tempfile.mkdtemp(prefix="sentinel-pg-"))
    folder.chmod(0o755)
    data, sockets = folder / "data", folder / "sock"
    data.mkdir()
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (folder, data, sockets):
            shutil.chown(path, "postgres", "postgres")
    prefix = _as_postgres_user()
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    argv = [
        *prefix,
        postgres,
        "-D",
        str(data),
        "-p",
        str(port),
        "-k",
        str(sockets),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
    ]
    server = start(argv, port, folder / "postgres.log", timeout=60)

    def run(sql: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                client,
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
            ],
            input=sql,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    try:
        _wait_until_ready(run)
        applied = run(ddl_from_doc())
        assert applied.returncode == 0, applied.stderr
        seed = run(
            "INSERT INTO organizations (org_id, name) VALUES ('acme', 'Acme');"
            "INSERT INTO agents (org_id, agent_id, api_key_hash, edition)"
            " VALUES ('acme', 'agent-1', '\\x00', 'pro');"
        )
        assert seed.returncode == 0, seed.stderr
        yield run
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def decision_row(decision_id: str, evaluated_at: str) -> str:
    return (
        "INSERT INTO decisions (org_id, agent_id, decision_id, entry_id, seq, prev_hash, entry_hash,"
        " tenant, subject, action, resource, decision, score, policy_revision, policy_version,"
        " constitution_hash,"
        " evaluation_duration_ms, evaluated_at)"
        f" VALUES ('acme', 'agent-1', '{decision_id}', '{decision_id}', 0,"
        f" '{'0' * 64}', '{HEX}', 't1', 'alice', 'read', 'doc', 'allow', 0, 'r1', 'b@r1', '{HEX}', 0.5,"
        f" '{evaluated_at}');"
    )


def test_the_ddl_creates_every_table_the_plan_names(psql: Psql) -> None:
    done = psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1;")
    tables = set(done.stdout.split())
    assert {
        "organizations",
        "users",
        "agents",
        "sessions",
        "policies",
        "policy_pins",
        "decisions",
        "audit_events",
        "trace_checkpoints",
    } <= tables


def test_decisions_land_in_their_month_partition(psql: Psql) -> None:
    assert psql(decision_row("d-dec", "2026-12-07T12:00:00Z")).returncode == 0
    assert psql(decision_row("d-jan", "2027-01-15T12:00:00Z")).returncode == 0
    assert psql(decision_row("d-far", "2031-05-01T00:00:00Z")).returncode == 0
    done = psql("SELECT tableoid::regclass, decision_id FROM decisions ORDER BY evaluated_at;")
    assert done.stdout.split() == [
        "decisions_2026_12|d-dec",
        "decisions_2027_01|d-jan",
        "decisions_default|d-far",
    ]


def test_a_score_outside_basis_points_is_refused(psql: Psql) -> None:
    done = psql(decision_row("d-bad", "2026-12-08T00:00:00Z").replace("'allow', 0,", "'allow', 10001,"))
    assert done.returncode != 0 and "check constraint" in done.stderr


def test_a_resent_audit_event_is_stored_once(psql: Psql) -> None:
    insert = (
        "INSERT INTO audit_events (org_id, agent_id, event_id, event_type, payload_schema_version,"
        " source_ref, source_native_id, correlation_id, causation_type, causation_id, actor, payload,"
        " payload_hash,"
        f" occurred_at, ingested_at) VALUES ('acme', 'agent-1', '{HEX}', 'core.DecisionMade', '1', 'gateway',"
        f" 'n-1', 'c-1', 'request', 'r-1', 'service:gateway', '{{}}', '{HEX}', '2026-12-07T12:00:00Z',"
        " '2026-12-07T12:00:01Z') ON CONFLICT DO NOTHING;"
    )
    assert psql(insert).returncode == 0
    assert psql(insert).returncode == 0
    assert psql("SELECT count(*) FROM audit_events;").stdout.strip() == "1"


def test_a_pin_must_name_an_existing_revision(psql: Psql) -> None:
    done = psql(
        "INSERT INTO policy_pins (org_id, tenant, policy_id, revision) VALUES ('acme', 't1', 'p', '9');"
    )
    assert done.returncode != 0 and "foreign key" in done.stderr


def test_a_policy_id_that_could_escape_a_path_is_refused(psql: Psql) -> None:
    done = psql(
        "INSERT INTO policies (org_id, policy_id, revision, content, content_hash)"
        f" VALUES ('acme', '../x', '1', '', '{HEX}');"
    )
    assert done.returncode != 0 and "check constraint" in done.stderr
