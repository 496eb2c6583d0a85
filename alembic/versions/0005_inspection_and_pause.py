"""A snapshot inside the network per epoch; pause and step requests.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('epoch_metrics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inspection', sa.JSON(), nullable=True))
    with op.batch_alter_table('experiments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pause_control', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('experiments', schema=None) as batch_op:
        batch_op.drop_column('pause_control')
    with op.batch_alter_table('epoch_metrics', schema=None) as batch_op:
        batch_op.drop_column('inspection')
