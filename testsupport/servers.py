"""Real Redis and real nginx for tests and benchmarks, on free loopback ports, stopped by PID.

Both are started with :func:`testsupport.processes.start`; the caller finds the program (with
``require_program`` in tests, ``find_program`` in benchmarks) and stops the returned server.
"""

from __future__ import annotations

from pathlib import Path

from testsupport.processes import Server, free_port, start


def redis(program: str, workdir: Path, port: int | None = None) -> Server:
    """``redis-server`` on 127.0.0.1 with no persistence (``--save '' --appendonly no``); ``port``
    restarts one on the port of a server that was stopped."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    argv = [
        program,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(workdir),
        "--protected-mode",
        "yes",
    ]
    return start(argv, port, workdir / "redis.log")


def nginx_config(root: Path, workdir: Path, port: int) -> str:
    """A config serving ``root`` with ETags (and so 304 on ``If-None-Match``), every path non-root."""
    temp = workdir / "temp"
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (temp / name).mkdir(parents=True, exist_ok=True)
    return f"""daemon off;
master_process off;  # one process, as the starting user (workers would drop to "nobody")
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    access_log {workdir / "access.log"};
    client_body_temp_path {temp / "client_body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        etag on;
    }}
}}
"""


def nginx(program: str, root: Path, workdir: Path) -> Server:
    """nginx serving the folder ``root`` on a free loopback port (``-p workdir``, config in ``workdir``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = workdir / "nginx.conf"
    config.write_text(nginx_config(root, workdir, port))
    argv = [program, "-p", str(workdir), "-c", str(config), "-e", str(workdir / "error.log")]
    return start(argv, port, workdir / "nginx.out")
