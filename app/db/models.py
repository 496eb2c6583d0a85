"""SQLAlchemy 2 models: what LayerLab stores."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum, nonmember
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from app.data.stored_profile import StoredProfile, read_profile


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Dataset(Base):
    """An uploaded CSV: the stored file's name, how it was read, and its profile."""

    __tablename__ = "datasets"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))  # the user's file name: metadata only
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # server-generated
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    column_count: Mapped[int] = mapped_column(Integer)
    read_options: Mapped[dict[str, Any]] = mapped_column(JSON)
    notices: Mapped[list[Any]] = mapped_column(JSON)
    # Deferred: a large document that only the dataset's own pages read; lists, and every
    # experiment (which joins its dataset), would otherwise parse it on each request.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Accounts (LAYERLAB_AUTH=password): who owns it (None on a single-user server), and
    # whether every account may read it and train on it.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None)
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def profile_model(self) -> StoredProfile:
        """The profile as typed models, read once per loaded document (again after it is replaced)."""
        document = self.profile
        cached = self.__dict__.get("_profile_model")
        if cached is None or cached[0] is not document:
            cached = (document, read_profile(document))
            self.__dict__["_profile_model"] = cached
        return cached[1]


class ExperimentStatus(StrEnum):
    """The life of an experiment. Finished states never change again, except by restart.

    Members are strings ("queued" == ExperimentStatus.QUEUED), stored and sent as such; the
    JSON contract and the pages name them from here (the experiment page reads FINISHED
    from a data attribute rather than a list of its own)."""

    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"  # a worker holds it between two epochs, waiting for resume or step
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    FINISHED = nonmember(frozenset({COMPLETED, FAILED, CANCELLED, INTERRUPTED}))
    ACTIVE = nonmember(frozenset({QUEUED, RUNNING, PAUSED}))
    LEASED = nonmember(frozenset({RUNNING, PAUSED}))  # a worker holds the lease


class CrossValidationStatus(StrEnum):
    """The state of an experiment's k-fold cross-validation (`Experiment.cross_validation["status"]`)."""

    WAITING = "waiting"  # the main run has not finished; the folds come after it
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class PauseControl:
    """What the person asked of a run between epochs (`Experiment.pause_control`)."""

    PAUSE = "pause"  # stop after the current epoch and wait
    STEP = "step"  # while paused: train one more epoch, then pause again


class Sweep(Base):
    """A grid or random search over a base spec: its experiments are ordinary experiments.

    `configs` holds each configuration's hyperparameter values, in order; an experiment
    of the sweep names its configuration by 1-based number (`Experiment.sweep_config`).
    `revealed_config` is the one configuration whose test scores the user chose to see.
    """

    __tablename__ = "sweeps"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    base: Mapped[dict[str, Any]] = mapped_column(JSON)
    space: Mapped[dict[str, Any]] = mapped_column(JSON)
    strategy: Mapped[str] = mapped_column(String(16))
    samples: Mapped[int | None] = mapped_column(Integer, default=None)
    repeats: Mapped[int] = mapped_column(Integer)
    configs: Mapped[list[Any]] = mapped_column(JSON)
    estimate_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    revealed_config: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None)

    dataset: Mapped[Dataset] = relationship(lazy="joined", viewonly=True)


class Experiment(Base):
    """One training run of a spec on a dataset, claimed by one worker at a time."""

    __tablename__ = "experiments"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ExperimentStatus.QUEUED, index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    task: Mapped[str | None] = mapped_column(String(16), default=None)
    epochs_total: Mapped[int] = mapped_column(Integer)
    epochs_done: Mapped[int] = mapped_column(Integer, default=0)
    best_epoch: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_control: Mapped[str | None] = mapped_column(String(8), default=None)
    worker_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # The pool (server) the worker belongs to, and a token unique to this claim: every
    # write of a run carries its token, so a revoked or restarted run cannot write.
    instance_id: Mapped[str | None] = mapped_column(String(64), default=None)
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A sweep owns its experiments: deleting the sweep deletes them (CASCADE).
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"), index=True, default=None)
    sweep_config: Mapped[int | None] = mapped_column(Integer, default=None)
    # k-fold cross-validation (when the spec asks): per fold metrics and curves, mean ± std.
    cross_validation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # The dataset's missing-value tokens when this experiment was created (None: the default
    # rule), so that its data reads the same after the dataset's choice changes.
    missing_tokens: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    # Continued training: the experiment this one started from and after which epoch
    # (kept when that experiment is deleted, so the lineage still reads right).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("experiments.id", ondelete="SET NULL"), default=None)
    parent_epoch: Mapped[int | None] = mapped_column(Integer, default=None)
    # Where the run ran: the Dask worker's address (None on the local pool).
    worker_address: Mapped[str | None] = mapped_column(String(255), default=None)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None)
    # Counts the row's writes (db/row_versions.py bumps it on every UPDATE): what a cache of
    # the experiment's JSON is keyed by, with its id.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    dataset: Mapped[Dataset] = relationship(lazy="joined", viewonly=True)
    sweep: Mapped[Sweep | None] = relationship(lazy="joined", viewonly=True)


class EpochMetric(Base):
    """One row per finished epoch: what the live charts and the SSE stream show."""

    __tablename__ = "epoch_metrics"

    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"), primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    train_loss: Mapped[float | None] = mapped_column(Float)
    val_loss: Mapped[float | None] = mapped_column(Float)
    train_metric: Mapped[float | None] = mapped_column(Float)
    val_metric: Mapped[float | None] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    # A look inside the network at this epoch (app.engine.inspection), when recorded.
    inspection: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)


class UserRole:
    ADMIN = "admin"  # manages accounts and sees every account's work
    MEMBER = "member"  # sees their own work and the datasets shared with everyone
    ALL = (ADMIN, MEMBER)


class User(Base):
    """An account of a server with `LAYERLAB_AUTH=password`."""

    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # Argon2id, with its parameters and salt
    role: Mapped[str] = mapped_column(String(8), default=UserRole.MEMBER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class LoginSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ApiToken(Base):
    """A named token for scripts (`Authorization: Bearer`), shown once, stored hashed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Invite(Base):
    """A link an admin hands out: whoever opens it before it expires picks a name and password."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class AuditEvent(Base):
    """Who did what: sign-ins (and refusals), account changes, deletes, shares."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    actor: Mapped[str | None] = mapped_column(String(64), default=None)  # a username: kept if the account goes
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(64), default=None)
