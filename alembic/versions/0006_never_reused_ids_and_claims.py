"""Ids are never reused (SQLite AUTOINCREMENT); each claim of an experiment has a token.

SQLite can only add AUTOINCREMENT by recreating a table: batch mode copies every row
into the new table. env.py turns foreign keys off for migrations, so dropping the old
table does not cascade into the rows that reference it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('datasets', 'sweeps', 'experiments')


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return  # other databases never reuse generated ids
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}
        ):
            pass


def upgrade() -> None:
    with op.batch_alter_table('experiments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instance_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
    _recreate(autoincrement=True)


def downgrade() -> None:
    _recreate(autoincrement=False)
    with op.batch_alter_table('experiments', schema=None) as batch_op:
        batch_op.drop_column('claim_token')
        batch_op.drop_column('instance_id')
