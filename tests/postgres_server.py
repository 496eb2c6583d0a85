"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary directory, a unix socket.

`initdb` refuses to run as root, so under root the server runs as the `postgres` system
user (which Debian's package creates) in a directory handed to it. The server is a child
of the test process that the kernel stops if that process dies (`PR_SET_PDEATHSIG`), so a
killed test run leaves no server behind; `stop()` ends it and removes its directory.
It listens on a socket in its own directory only, so it never competes for a TCP port.
"""

from __future__ import annotations

import ctypes
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

MAKE_HINT = "PostgreSQL's server binaries (initdb, postgres) are missing: run `make postgres` to install them."
START_DEADLINE_SECONDS = 60.0
STOP_DEADLINE_SECONDS = 30.0
SUPERUSER = "layerlab"
TEMP_ROOT = Path("/tmp")  # short: a unix socket path must stay under 108 bytes
PREFIX = "layerlab-pg-"
OWNER_FILE = "owner.pid"  # the test process that started the server
# Set to 1 to leave PostgreSQL out on a machine without it; each of its tests then says so as a skip.
SKIP_POSTGRES_ENV = "LAYERLAB_TESTS_SKIP_POSTGRES"
# Durability is no concern for a database that lives as long as a test run.
FAST_OPTIONS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "listen_addresses=")


class PostgresMissing(RuntimeError):
    pass


def find_bindir() -> Path:
    """The newest Debian PostgreSQL (`/usr/lib/postgresql/N/bin`), else `initdb` on the PATH."""
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if debian:
        return Path(debian[-1]).parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("postgres", path=str(Path(initdb).parent)):
        return Path(initdb).parent
    raise PostgresMissing(MAKE_HINT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def remove_abandoned(root: Path = TEMP_ROOT) -> None:
    """Directories of test runs killed before they could clean up (their server died with them)."""
    for directory in root.glob(f"{PREFIX}*"):
        owner = _pid_in(directory / OWNER_FILE)
        if owner is None or _alive(owner):  # being set up, or still in use
            continue
        postmaster = _pid_in(directory / "data" / "postmaster.pid")
        if postmaster is None or not _alive(postmaster):
            shutil.rmtree(directory, ignore_errors=True)


def _die_with_parent() -> None:
    """Runs in the server's process after it took its user: stop at once if the tests die."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGQUIT, 0, 0, 0)  # PR_SET_PDEATHSIG


def _server_user() -> pwd.struct_passwd | None:
    """None: run as ourselves. As root: the `postgres` system user (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresMissing("Running as root, and there is no `postgres` user to run PostgreSQL as: run `make postgres`.")


class PostgresServer:
    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.user = _server_user()
        remove_abandoned()
        self.directory = Path(tempfile.mkdtemp(prefix=PREFIX, dir=TEMP_ROOT))
        (self.directory / OWNER_FILE).write_text(str(os.getpid()))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._databases = 0

    def _run_as_server_user(self) -> dict[str, object]:
        if self.user is None:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}

    def start(self) -> None:
        if self.user is not None:
            os.chown(self.directory, self.user.pw_uid, self.user.pw_gid)
        initdb = subprocess.run(
            [str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
            capture_output=True, text=True, check=False, **self._run_as_server_user(),  # type: ignore[call-overload]
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}")
        options = [arg for option in FAST_OPTIONS for arg in ("-c", option)]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(  # type: ignore[call-overload]
                [str(self.bindir / "postgres"), "-D", str(self.data), "-k", str(self.directory), *options],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent, **self._run_as_server_user(),
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited at start-up:\n{self.log.read_text(errors='replace')}")
            try:
                psycopg.connect(self.conninfo("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not accept connections:\n{self.log.read_text()}") from None
                time.sleep(0.05)

    def conninfo(self, database: str) -> str:
        return f"host={self.directory} user={SUPERUSER} dbname={database}"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.directory}"

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        self._databases += 1
        name = f"test_{self._databases}"
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1].split("?", 1)[0]
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Fast shutdown (clients are disconnected), then the directory goes."""
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
                try:
                    self.process.wait(STOP_DEADLINE_SECONDS)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def server_for_tests() -> PostgresServer:
    """A server to start, else a failure that says how to install one (a skip only when asked)."""
    if os.environ.get(SKIP_POSTGRES_ENV) == "1":
        pytest.skip(f"PostgreSQL left out: {SKIP_POSTGRES_ENV}=1 is set")
    try:
        return PostgresServer()
    except PostgresMissing as missing:
        pytest.fail(str(missing), pytrace=False)
