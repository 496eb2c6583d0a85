"""Every write to an experiment's row bumps its `version`, so that "same id, same version"
means "same row" (a cache of a finished experiment's JSON relies on it).

One home for the rule instead of one clause per UPDATE: the db modules change experiments
both with UPDATE statements (workers, cancel, restart, cross-validation) and through the
unit of work (a new decision threshold's results). A counter incremented in SQL, not
SQLAlchemy's `version_id_col`: that one also refuses a flush whose row another process
changed meanwhile, and a worker's epoch must not make a person's threshold change fail.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, Update, event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, object_session

from app.db.models import Experiment


def _next_version() -> ColumnElement[int]:
    return Experiment.version + 1


@event.listens_for(Session, "do_orm_execute")
def _bump_on_update(state: ORMExecuteState) -> None:
    statement = state.statement
    # `update(Experiment)` names an annotated copy of the table: compare by name.
    if state.is_update and isinstance(statement, Update) and statement.table.name == Experiment.__tablename__:
        state.statement = statement.values(version=_next_version())


@event.listens_for(Experiment, "before_update")
def _bump_on_flush(_mapper: Mapper[Experiment], _connection: Connection, experiment: Experiment) -> None:
    session = object_session(experiment)
    if session is not None and session.is_modified(experiment):  # "dirty" rows without a change write nothing
        experiment.version = _next_version()  # computed by the database; read back when next accessed
