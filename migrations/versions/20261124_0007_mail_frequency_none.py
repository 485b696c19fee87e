"""a user may choose to get no notification mails at all

Revision ID: 0007_mail_frequency_none
Revises: 0006_deadline_indexes
Create Date: 2026-11-24 19:05:00

"""
from collections.abc import Sequence

from alembic import op


revision: str = '0007_mail_frequency_none'
down_revision: str | None = '0006_deadline_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_digest'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_digest'),
                                         "digest IN ('immediate', 'daily', 'none')")


def downgrade() -> None:
    op.execute("UPDATE users SET digest = 'daily' WHERE digest = 'none'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_digest'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_digest'),
                                         "digest IN ('immediate', 'daily')")
