"""A real PostgreSQL server for the test run: started once, in a temporary folder, on 127.0.0.1 and a free
port, and stopped at the end. Each test gets a fresh database copied from a migrated template.

`RISKWIRE_TEST_PG_URL` (a `postgresql://` URL of a role allowed to create databases) points the tests at
an existing server instead. Without either, PostgreSQL tests are skipped, or fail when CI=true.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, or the newest of Debian's versioned folders."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    folders = sorted(glob.glob(_BIN_GLOB), key=lambda p: int(Path(p).parent.name.split(".")[0]))
    return Path(folders[-1]) if folders else None


def _real_clock_env() -> dict[str, str]:
    """The environment without libfaketime: the server keeps the real clock when the suite runs
    under `faketime` (every stored time comes from the code under test, never from the server)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME")}
    preload = " ".join(p for p in env.pop("LD_PRELOAD", "").split() if "faketime" not in p)
    if preload:
        env["LD_PRELOAD"] = preload
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_database(url: str, name: str) -> str:
    """`url` naming the database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class PgServer:
    """A throwaway cluster (or an existing server), and fresh databases on it."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.url = ""
        self._pg_ctl: list[str] = []
        self._names = itertools.count(1)
        self.template: str | None = None

    def start(self) -> PgServer:
        existing = os.environ.get("RISKWIRE_TEST_PG_URL")
        if existing:
            self.url = existing
            return self
        bin_dir = binaries()
        if bin_dir is None:
            raise FileNotFoundError("PostgreSQL's initdb was not found (install postgresql)")
        self.folder = Path(tempfile.mkdtemp(prefix="riskwire-pg-"))
        as_user: list[str] = []
        if os.geteuid() == 0:  # initdb and the server refuse to run as root
            as_user = ["runuser", "-u", "postgres", "--"]
            pw = pwd.getpwnam("postgres")
            os.chown(self.folder, pw.pw_uid, pw.pw_gid)
        data = self.folder / "data"
        subprocess.run(
            [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--locale=C", "--no-sync"],
            check=True, capture_output=True, env=_real_clock_env(),
        )  # fmt: skip
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60"]
        subprocess.run(
            [*self._pg_ctl, "-o", options, "-l", str(self.folder / "server.log"), "start"],
            check=True, capture_output=True, env=_real_clock_env(),
        )  # fmt: skip
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        return self

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def empty_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"riskwire_t{os.getpid()}_{next(self._names)}"
        with self._admin() as conn:
            conn.execute(f'create database "{name}"')
        return with_database(self.url, name)

    def migrated_database(self) -> str:
        """The URL of a new database with the current schema (a copy of a template migrated once)."""
        if self.template is None:
            from storage.db import open_db

            url = self.empty_database()
            open_db(url).close()
            self.template = urlsplit(url).path.lstrip("/")
        name = f"riskwire_t{os.getpid()}_{next(self._names)}"
        with self._admin() as conn:
            conn.execute(f'create database "{name}" template "{self.template}"')
        return with_database(self.url, name)

    def drop(self, url: str) -> None:
        """Drop a database made here (connections still open to it are ended first)."""
        name = urlsplit(url).path.lstrip("/")
        with contextlib.suppress(psycopg.Error), self._admin() as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')

    def stop(self) -> None:
        if self.folder is None:
            return
        if self._pg_ctl:
            subprocess.run(
                [*self._pg_ctl, "-m", "immediate", "stop"], capture_output=True, env=_real_clock_env()
            )
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
