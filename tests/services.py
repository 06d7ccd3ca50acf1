"""Throwaway PostgreSQL and Redis servers for the tests, from the Debian packages `make test` installs.

Each runs in a temporary directory, on a free port (PostgreSQL only on a Unix socket there), and is stopped
and removed at the end of the session.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server program: Debian keeps them in /usr/lib/postgresql/<version>/bin."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


@dataclass(frozen=True)
class Postgres:
    socket_dir: Path
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"


def _as_postgres_user() -> dict[str, object]:
    """initdb refuses to run as root: run the server as Debian's `postgres` user then."""
    if os.geteuid() != 0:
        return {}
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        return {}
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


@contextlib.contextmanager
def postgres() -> Iterator[Postgres]:
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        raise FileNotFoundError("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    run_as = _as_postgres_user()
    if os.geteuid() == 0 and not run_as:
        raise FileNotFoundError("running as root but there is no 'postgres' user to run PostgreSQL as")
    tmp = Path(tempfile.mkdtemp(prefix="seekline-pg-"))
    if run_as:
        os.chown(tmp, run_as["user"], run_as["group"])  # type: ignore[arg-type]
    data, port = tmp / "data", free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run([initdb, "-D", str(data), "-U", "seekline", "--auth=trust", "-E", "UTF8", "--no-sync"],
                   check=True, capture_output=True, env=env, cwd=tmp, **run_as)  # type: ignore[call-overload]
    options = (f"-k {tmp} -p {port} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_connections=200")
    subprocess.run([pg_ctl, "-D", str(data), "-o", options, "-l", str(tmp / "log"), "-w", "-t", "60", "start"],
                   check=True, capture_output=True, env=env, cwd=tmp, **run_as)  # type: ignore[call-overload]
    try:
        yield Postgres(tmp, port, "seekline")
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True, cwd=tmp,
                       env=env, **run_as)  # type: ignore[call-overload]
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def redis() -> Iterator[str]:
    """A redis-server on a free local port; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed")
    tmp = Path(tempfile.mkdtemp(prefix="seekline-redis-"))
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                             "no", "--dir", str(tmp), "--daemonize", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
