"""Settings, read from the environment with the prefix ``LAYERLAB_``.

Every setting is data: a name, a default and a help text (its ``description``).
The README's configuration table is checked against this class by a test.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_workers() -> int:
    return os.cpu_count() or 1


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAYERLAB_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Directory for the SQLite database, uploaded datasets and models.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL; empty means SQLite at `<data_dir>/layerlab.db`;"
            " `postgresql+psycopg://user:password@host/db` for PostgreSQL."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address the server binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "[::1]"],
        description="Host header values accepted (guards against DNS rebinding).",
    )
    max_upload_mb: float = Field(default=200, gt=0, description="Largest CSV upload accepted, in megabytes.")
    max_json_kb: int = Field(
        default=1024,
        ge=1,
        description="Largest JSON or form request body, in kilobytes (CSV uploads have their own limit).",
    )
    max_model_memory_mb: float = Field(
        default=4096,
        gt=0,
        description="Most memory one experiment may need to train, in megabytes, as estimated before it is queued.",
    )
    max_epoch_seconds: float = Field(
        default=600,
        gt=0,
        description="Longest estimated time of one training epoch, in seconds, for a spec to be queued.",
    )
    max_rows: int = Field(default=5_000_000, ge=1, description="Most data rows in one dataset.")
    max_columns: int = Field(default=10_000, ge=2, description="Most columns in one dataset.")
    workers: int = Field(
        default_factory=_default_workers,
        ge=0,
        description="Training worker processes; default one per core, 0 runs none.",
    )
    executor: Literal["local", "dask"] = Field(
        default="local",
        description="Where experiments run: `local` worker processes, or `dask` tasks on a Dask cluster.",
    )
    dask_scheduler: str | None = Field(
        default=None,
        description="With `dask`: the scheduler's address (`tcp://host:8786`); empty starts a local cluster "
        "of `workers` single-threaded processes.",
    )
    auth: Literal["none", "password"] = Field(
        default="none",
        description="`none`: one person on this machine (loopback addresses only); `password`: accounts, "
        "sign-in, API tokens and ownership of every dataset and experiment.",
    )
    admin_username: str | None = Field(
        default=None, description="With `password`: the first admin, created at start-up when there are no users."
    )
    admin_password: SecretStr | None = Field(
        default=None, description="With `password`: the first admin's password (at least 8 characters)."
    )
    max_running_per_user: int = Field(
        default=2, ge=1, description="With `password`: most training jobs of one account running at once."
    )
    quota_mb: float | None = Field(
        default=None, gt=0, description="With `password`: most megabytes of datasets one account may store; "
        "empty means no quota."
    )
    session_hours: float = Field(default=24, gt=0, description="With `password`: how long a sign-in lasts, in hours.")
    invite_hours: float = Field(default=72, gt=0, description="How long an admin's invite link stays valid, in hours.")

    @property
    def running_limit_per_owner(self) -> int | None:
        """Fair share applies with accounts only: a single-user server runs its queue in order."""
        return self.max_running_per_user if self.auth == "password" else None

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_json_bytes(self) -> int:
        return self.max_json_kb * 1024

    @property
    def datasets_dir(self) -> Path:
        return self.data_dir / "datasets"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'layerlab.db').resolve()}"

    @property
    def experiments_dir(self) -> Path:
        return self.data_dir / "experiments"

    def prepare_directories(self) -> None:
        self.datasets_dir.mkdir(parents=True, exist_ok=True)
        self.experiments_dir.mkdir(parents=True, exist_ok=True)
