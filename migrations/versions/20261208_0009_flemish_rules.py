"""flemish rules: allowance rates, programme kind, mentor file, renewals, council

Revision ID: 0009_flemish_rules
Revises: 0008_maintainer_sessions_outbox
Create Date: 2026-12-08 00:15:15.616804

"""
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0009_flemish_rules'
down_revision: str | None = '0008_maintainer_sessions_outbox'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_LIVE = "status IN ('submitted', 'in_review', 'approved')"
_LIVE_FIRST = f"{_LIVE} AND renews_id IS NULL"


def upgrade() -> None:
    op.create_table('allowance_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_allowance_rates_amount')),
    sa.CheckConstraint('category BETWEEN 1 AND 3', name=op.f('ck_allowance_rates_category')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_allowance_rates_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allowance_rates')),
    sa.UniqueConstraint('category', 'valid_from', name=op.f('uq_allowance_rates_category_valid_from'))
    )
    # The amounts in force since 1 May 2024 (vlaanderen.be, "Leervergoeding in duaal en
    # alternerend leren"); an index step is a new row, entered by the admin.
    rates = sa.table('allowance_rates', sa.column('category', sa.Integer()),
                     sa.column('valid_from', sa.Date()), sa.column('amount', sa.Numeric(8, 2)),
                     sa.column('created_at', sqlmodel.sql.sqltypes.UTCDateTime()))
    op.bulk_insert(rates, [
        {'category': category, 'valid_from': date(2024, 5, 1), 'amount': Decimal(amount),
         'created_at': datetime.now(UTC)}
        for category, amount in ((1, '600.50'), (2, '662.60'), (3, '714.40'))
    ])
    op.create_table('import_column_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('header', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_import_column_mappings_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_import_column_mappings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_column_mappings')),
    sa.UniqueConstraint('school_id', 'header', name=op.f('uq_import_column_mappings_school_id_header'))
    )
    op.create_table('class_council_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trajectory_id', sa.Integer(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("decision IN ('passes', 'does_not_pass', 'qualified')", name=op.f('ck_class_council_decisions_decision')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_class_council_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['trajectory_id'], ['trajectories.id'], name=op.f('fk_class_council_decisions_trajectory_id_trajectories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_council_decisions')),
    sa.UniqueConstraint('trajectory_id', name=op.f('uq_class_council_decisions_trajectory_id'))
    )
    op.create_table('training_plan_entries',
    sa.Column('trajectory_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.CheckConstraint("location IN ('school', 'workplace', 'both')", name=op.f('ck_training_plan_entries_location')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_training_plan_entries_competency_id_competencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trajectory_id'], ['trajectories.id'], name=op.f('fk_training_plan_entries_trajectory_id_trajectories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('trajectory_id', 'competency_id', name=op.f('pk_training_plan_entries'))
    )
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allowance_category', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('termination_kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
        batch_op.create_check_constraint(
            'allowance_category', 'allowance_category IS NULL OR allowance_category BETWEEN 1 AND 3')
        batch_op.create_check_constraint(
            'termination_kind',
            "termination_kind IN ('mutual', 'notice', 'urgent_reason', 'left_programme')")

    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weekly_working_hours', sa.Float(), nullable=True))
        batch_op.create_check_constraint(
            'weekly_working_hours',
            'weekly_working_hours IS NULL OR weekly_working_hours BETWEEN 1 AND 50')

    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_extract_document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('has_teaching_certificate', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_mentors_record_extract_document_id'), ['record_extract_document_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_mentors_record_extract_document_id_documents'), 'documents', ['record_extract_document_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weekly_schedule', sa.JSON(), server_default='[]', nullable=False))

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False, server_default='alternating_training'))
        batch_op.create_check_constraint(
            'agreement_kind',
            "agreement_kind IN ('internship', 'alternating_training', 'part_time_employment')")
    # A programme keeps the kind its agreements used most until now.
    op.execute(
        "UPDATE programmes SET agreement_kind = COALESCE(("
        " SELECT a.kind FROM agreements a"
        " JOIN placements p ON p.id = a.placement_id"
        " JOIN trajectories t ON t.id = p.trajectory_id"
        " WHERE t.programme_id = programmes.id"
        " GROUP BY a.kind ORDER BY count(*) DESC, a.kind LIMIT 1), agreement_kind)"
    )

    with op.batch_alter_table('recognition_mentors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lower_path_accepted', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('recognitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renews_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('validity_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False, server_default=''))
        batch_op.create_unique_constraint(batch_op.f('uq_recognitions_renews_id'), ['renews_id'])
        batch_op.create_foreign_key(batch_op.f('fk_recognitions_renews_id_recognitions'), 'recognitions', ['renews_id'], ['id'])
        batch_op.drop_index('uq_recognitions_live_site_programme')
        batch_op.create_index('uq_recognitions_live_site_programme', ['site_id', 'programme_id'],
                              unique=True, sqlite_where=sa.text(_LIVE_FIRST),
                              postgresql_where=sa.text(_LIVE_FIRST))

    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reachability', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))

    with op.batch_alter_table('sectors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_check_max_age_months', sa.Integer(), nullable=False, server_default='12'))
        batch_op.add_column(sa.Column('teaching_certificate_exempts', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_check_constraint(
            'record_check_max_age', 'record_check_max_age_months BETWEEN 1 AND 60')



def downgrade() -> None:
    with op.batch_alter_table('sectors', schema=None) as batch_op:
        batch_op.drop_constraint('record_check_max_age', type_='check')
        batch_op.drop_column('teaching_certificate_exempts')
        batch_op.drop_column('record_check_max_age_months')

    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('reachability')

    with op.batch_alter_table('recognitions', schema=None) as batch_op:
        batch_op.drop_index('uq_recognitions_live_site_programme')
        batch_op.create_index('uq_recognitions_live_site_programme', ['site_id', 'programme_id'],
                              unique=True, sqlite_where=sa.text(_LIVE),
                              postgresql_where=sa.text(_LIVE))
        batch_op.drop_constraint(batch_op.f('fk_recognitions_renews_id_recognitions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_recognitions_renews_id'), type_='unique')
        batch_op.drop_column('validity_reason')
        batch_op.drop_column('renews_id')

    with op.batch_alter_table('recognition_mentors', schema=None) as batch_op:
        batch_op.drop_column('lower_path_accepted')

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_constraint('agreement_kind', type_='check')
        batch_op.drop_column('agreement_kind')

    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_column('weekly_schedule')

    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mentors_record_extract_document_id_documents'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mentors_record_extract_document_id'))
        batch_op.drop_column('has_teaching_certificate')
        batch_op.drop_column('record_extract_document_id')

    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_constraint('weekly_working_hours', type_='check')
        batch_op.drop_column('weekly_working_hours')

    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_constraint('termination_kind', type_='check')
        batch_op.drop_constraint('allowance_category', type_='check')
        batch_op.drop_column('termination_kind')
        batch_op.drop_column('allowance_category')

    op.drop_table('training_plan_entries')
    op.drop_table('class_council_decisions')
    op.drop_table('import_column_mappings')
    op.drop_table('allowance_rates')
