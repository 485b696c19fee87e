"""remember who invited a user

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 15:05:32.516071

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_invited_by_id'), ['invited_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_invited_by_id_users'), 'users', ['invited_by_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_invited_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_invited_by_id'))
        batch_op.drop_column('invited_by_id')

