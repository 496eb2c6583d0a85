"""Sweeps, and the sweep (and configuration number) of each experiment.

A sweep owns its experiments: deleting a sweep deletes them (ON DELETE CASCADE).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 01:18:27.008342
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SWEEP_FK = 'fk_experiments_sweep_id_sweeps'


def upgrade() -> None:
    op.create_table('sweeps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('base', sa.JSON(), nullable=False),
    sa.Column('space', sa.JSON(), nullable=False),
    sa.Column('strategy', sa.String(length=16), nullable=False),
    sa.Column('samples', sa.Integer(), nullable=True),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('configs', sa.JSON(), nullable=False),
    sa.Column('estimate_seconds', sa.Float(), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('revealed_config', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sweeps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweeps_dataset_id'), ['dataset_id'], unique=False)

    with op.batch_alter_table('experiments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sweep_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sweep_config', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_experiments_sweep_id'), ['sweep_id'], unique=False)
        batch_op.create_foreign_key(SWEEP_FK, 'sweeps', ['sweep_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('experiments', schema=None) as batch_op:
        batch_op.drop_constraint(SWEEP_FK, type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_experiments_sweep_id'))
        batch_op.drop_column('sweep_config')
        batch_op.drop_column('sweep_id')

    with op.batch_alter_table('sweeps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweeps_dataset_id'))

    op.drop_table('sweeps')
