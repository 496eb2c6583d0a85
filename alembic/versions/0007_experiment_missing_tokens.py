"""The missing-value tokens an experiment reads its dataset with (JSON).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The table keeps AUTOINCREMENT (0006) when SQLite's batch mode rebuilds it.
    with op.batch_alter_table(
        'experiments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.add_column(sa.Column('missing_tokens', sa.JSON(), nullable=True))


def downgrade() -> None:
    # The table keeps AUTOINCREMENT (0006) when SQLite's batch mode rebuilds it.
    with op.batch_alter_table(
        'experiments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_column('missing_tokens')
