"""indexes for the daily deadline run

Revision ID: 0006_deadline_indexes
Revises: 0005_reports_and_offsets
Create Date: 2026-11-24 18:20:00

The deadline rules (dualflow.notifications.rules) select only what lies in a date window:
active trajectories whose agreement clock started in it, and untrained mentors appointed in
it. Without these indexes both were full table scans, growing with the database instead of
with what is due.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0006_deadline_indexes'
down_revision: str | None = '0005_reports_and_offsets'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('trajectories', schema=None) as batch_op:
        batch_op.create_index('ix_trajectories_status_starts_on', ['status', 'starts_on'],
                              unique=False)
        batch_op.create_index('ix_trajectories_status_clock',
                              ['status', 'agreement_clock_starts_on'], unique=False)

    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.create_index('ix_mentors_training_due', ['training_completed_on', 'appointed_on'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.drop_index('ix_mentors_training_due')

    with op.batch_alter_table('trajectories', schema=None) as batch_op:
        batch_op.drop_index('ix_trajectories_status_clock')
        batch_op.drop_index('ix_trajectories_status_starts_on')
