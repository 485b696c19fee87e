"""report batches, reminder offsets per school and sector

Revision ID: 0005_reports_and_offsets
Revises: 0004_agreements
Create Date: 2026-11-24 17:30:47.021730

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0005_reports_and_offsets'
down_revision: str | None = '0004_agreements'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('class_group', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('total_count', sa.Integer(), nullable=False),
    sa.Column('done_count', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('heartbeat_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_report_batches_status')),
    sa.CheckConstraint('done_count >= 0 AND total_count >= 0', name=op.f('ck_report_batches_counts')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_report_batches_document_id_documents')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_report_batches_programme_id_programmes')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_report_batches_requested_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_report_batches_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_batches'))
    )
    with op.batch_alter_table('report_batches', schema=None) as batch_op:
        batch_op.create_index('ix_report_batches_school_created', ['school_id', 'created_at'], unique=False)
        batch_op.create_index('ix_report_batches_status_created', ['status', 'created_at'], unique=False)

    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_offsets', sa.JSON(), server_default='{}', nullable=False))

    with op.batch_alter_table('sectors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_offsets', sa.JSON(), server_default='{}', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('sectors', schema=None) as batch_op:
        batch_op.drop_column('reminder_offsets')

    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('reminder_offsets')

    with op.batch_alter_table('report_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_report_batches_status_created')
        batch_op.drop_index('ix_report_batches_school_created')

    op.drop_table('report_batches')
