"""Servers starting at the same moment on one new PostgreSQL database all come up: one migrates, the others wait."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from app.db.models import Base
from app.db.session import make_engine
from tests.postgres_server import PostgresServer

PROJECT = Path(__file__).resolve().parents[2]
SERVERS = 3
DEADLINE_SECONDS = 300.0
# Alembic's context is global to a process: servers are processes, so are these.
UPGRADE = (
    "import sys; from app.db.migrations import upgrade_to_head; print('ready', flush=True);"
    " sys.stdin.read(); upgrade_to_head(sys.argv[1])"
)


def test_simultaneous_upgrades_of_a_new_database_all_succeed(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    servers = [
        subprocess.Popen([sys.executable, "-c", UPGRADE, url], cwd=PROJECT, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(SERVERS)
    ]
    for server in servers:
        assert server.stdout is not None and server.stdout.readline() == "ready\n"
    for server in servers:  # each has imported everything and waits: now all go at once
        assert server.stdin is not None
        server.stdin.close()
    errors = []
    for server in servers:
        assert server.stderr is not None
        errors.append(server.stderr.read())
        server.wait(DEADLINE_SECONDS)
    assert [server.returncode for server in servers] == [0] * SERVERS, "\n".join(errors)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert set(Base.metadata.tables) <= set(inspect(connection).get_table_names())
    engine.dispose()
    postgres_server.drop_database(url)
