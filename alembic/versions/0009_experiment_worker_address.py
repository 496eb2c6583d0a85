"""Where a run ran: the address of the Dask worker that trained it (None on the local pool).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The table keeps AUTOINCREMENT (0006) when SQLite's batch mode rebuilds it.
    with op.batch_alter_table(
        'experiments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.add_column(sa.Column('worker_address', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(
        'experiments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_column('worker_address')
