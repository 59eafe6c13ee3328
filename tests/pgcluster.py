"""A private PostgreSQL cluster for the test session: Debian's initdb/pg_ctl, a temp folder, a free loopback port.

Nothing is assumed running. As root, the server runs as the `postgres` system user (PostgreSQL refuses root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

START_TIMEOUT = 60


class PostgresUnavailable(RuntimeError):
    """This machine cannot run a private PostgreSQL cluster; the message says why."""


def _binaries() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not versions:
        raise PostgresUnavailable("pg_ctl not found (install Debian's postgresql package)")
    return Path(versions[-1]).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_server_user() -> tuple[list[str], str | None]:
    """The command prefix that runs PostgreSQL's tools as a non-root user, and that user's name."""
    if os.geteuid() != 0:
        return [], None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and there is no 'postgres' user to run the server"
        ) from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root and runuser is missing")
    return [runuser, "-u", "postgres", "--"], "postgres"


def _run(command: list[str], timeout: float = START_TIMEOUT) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise PostgresUnavailable(
            f"{' '.join(command)} failed: {result.stderr.strip() or result.stdout.strip()}"
        )


@contextmanager
def private_postgres() -> Iterator[str]:
    """Start a throw-away cluster; yield its SQLAlchemy URL; stop and remove it afterwards, whatever happened."""
    binaries = _binaries()
    prefix, user = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="ght-soc-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if user is not None:
        record = pwd.getpwnam(user)
        for path in (root, sockets):
            os.chown(path, record.pw_uid, record.pw_gid)
    port = _free_port()
    started = False
    try:
        _run(
            [
                *prefix,
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        _run(
            [
                *prefix,
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "server.log"),
                "-w",
                "-t",
                str(START_TIMEOUT),
                "start",
            ]
        )
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(
                [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=START_TIMEOUT,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create an empty database `name` on the cluster at `server_url` (dropped first if present); return its URL."""
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
