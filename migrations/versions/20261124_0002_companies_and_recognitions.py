"""companies and recognitions: index the people on a recognition (who filed, who decided)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 14:31:59.330136

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('recognitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recognitions_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognitions_submitted_by_id'), ['submitted_by_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('recognitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recognitions_submitted_by_id'))
        batch_op.drop_index(batch_op.f('ix_recognitions_decided_by_id'))

