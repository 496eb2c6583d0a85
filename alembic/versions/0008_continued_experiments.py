"""An experiment may continue another: the one it started from, and after which epoch.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARENT_FK = 'fk_experiments_parent_id_experiments'


def upgrade() -> None:
    # The table keeps AUTOINCREMENT (0006) when SQLite's batch mode rebuilds it.
    with op.batch_alter_table(
        'experiments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('parent_epoch', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(PARENT_FK, 'experiments', ['parent_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    # The table keeps AUTOINCREMENT (0006) when SQLite's batch mode rebuilds it.
    with op.batch_alter_table(
        'experiments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_constraint(PARENT_FK, type_='foreignkey')
        batch_op.drop_column('parent_epoch')
        batch_op.drop_column('parent_id')
