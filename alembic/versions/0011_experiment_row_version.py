"""An experiment's row version: bumped by every write, so a cache of its JSON knows when it is stale.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 11:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The table keeps AUTOINCREMENT (0006) when SQLite's batch mode rebuilds it.
    with op.batch_alter_table(
        'experiments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table(
        'experiments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_column('version')
