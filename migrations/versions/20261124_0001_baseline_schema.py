"""baseline schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 14:12:52.666679

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.CheckConstraint("status IN ('running', 'succeeded', 'failed')", name=op.f('ck_job_runs_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    sa.UniqueConstraint('job', 'period', name=op.f('uq_job_runs_job_period'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_started', ['job', 'started_at'], unique=False)

    op.create_table('schools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('institution_number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('municipality', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('escalation_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('evaluation_interval_weeks', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('secondary', 'adult_education', 'syntra', 'higher_education')", name=op.f('ck_schools_kind')),
    sa.CheckConstraint('evaluation_interval_weeks BETWEEN 1 AND 52', name=op.f('ck_schools_evaluation_interval')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schools')),
    sa.UniqueConstraint('institution_number', name=op.f('uq_schools_institution_number'))
    )
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schools_name'), ['name'], unique=False)

    op.create_table('sectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('mentor_min_age', sa.Integer(), nullable=False),
    sa.Column('mentor_min_experience_years', sa.Integer(), nullable=False),
    sa.Column('mentor_min_age_qualified', sa.Integer(), nullable=False),
    sa.Column('mentor_min_experience_years_qualified', sa.Integer(), nullable=False),
    sa.Column('mentor_training_months', sa.Integer(), nullable=False),
    sa.Column('max_learners_per_mentor', sa.Integer(), nullable=True),
    sa.Column('allows_part_time_employment', sa.Boolean(), nullable=False),
    sa.Column('recognition_years', sa.Integer(), nullable=False),
    sa.Column('decision_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('decision_days BETWEEN 1 AND 365', name=op.f('ck_sectors_decision_days')),
    sa.CheckConstraint('max_learners_per_mentor IS NULL OR max_learners_per_mentor >= 1', name=op.f('ck_sectors_learner_cap')),
    sa.CheckConstraint('mentor_min_age >= 18', name=op.f('ck_sectors_mentor_min_age')),
    sa.CheckConstraint('mentor_min_age_qualified >= 18', name=op.f('ck_sectors_mentor_min_age_qualified')),
    sa.CheckConstraint('mentor_min_experience_years >= 0', name=op.f('ck_sectors_mentor_experience')),
    sa.CheckConstraint('mentor_min_experience_years_qualified >= 0', name=op.f('ck_sectors_mentor_experience_qualified')),
    sa.CheckConstraint('mentor_training_months BETWEEN 1 AND 60', name=op.f('ck_sectors_training_months')),
    sa.CheckConstraint('recognition_years BETWEEN 1 AND 20', name=op.f('ck_sectors_recognition_years')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sectors')),
    sa.UniqueConstraint('code', name=op.f('uq_sectors_code'))
    )
    with op.batch_alter_table('sectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sectors_name'), ['name'], unique=False)

    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kbo_number', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('legal_form', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=True),
    sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('municipality', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('contact_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('length(kbo_number) = 10', name=op.f('ck_companies_kbo_number_length')),
    sa.ForeignKeyConstraint(['sector_id'], ['sectors.id'], name=op.f('fk_companies_sector_id_sectors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('kbo_number', name=op.f('uq_companies_kbo_number'))
    )
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_companies_municipality'), ['municipality'], unique=False)
        batch_op.create_index(batch_op.f('ix_companies_name'), ['name'], unique=False)
        batch_op.create_index('ix_companies_postcode', ['postcode'], unique=False)
        batch_op.create_index(batch_op.f('ix_companies_sector_id'), ['sector_id'], unique=False)

    op.create_table('learners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('gender', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('national_number', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('municipality', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('class_group', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('guardian_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('guardian_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('guardian_phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('anonymised_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("gender IN ('F', 'M', 'X')", name=op.f('ck_learners_gender')),
    sa.CheckConstraint("language IN ('nl', 'fr')", name=op.f('ck_learners_language')),
    sa.CheckConstraint('national_number IS NULL OR length(national_number) = 11', name=op.f('ck_learners_national_number')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_learners_school_id_schools'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learners')),
    sa.UniqueConstraint('national_number', name=op.f('uq_learners_national_number'))
    )
    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learners_class_group'), ['class_group'], unique=False)
        batch_op.create_index('ix_learners_school_name', ['school_id', 'last_name', 'first_name'], unique=False)

    op.create_table('programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=False),
    sa.Column('track', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('stem_label', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("level IN ('secundair', 'secundair_volwassenen', 'hbo5', 'bachelor')", name=op.f('ck_programmes_level')),
    sa.CheckConstraint("stem_label IN ('stem', 'stem_licht', 'stem_zorg', 'niet_stem')", name=op.f('ck_programmes_stem_label')),
    sa.CheckConstraint("track IN ('arbeidsmarkt', 'dubbele_finaliteit', 'doorstroom')", name=op.f('ck_programmes_track')),
    sa.ForeignKeyConstraint(['sector_id'], ['sectors.id'], name=op.f('fk_programmes_sector_id_sectors'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programmes')),
    sa.UniqueConstraint('code', name=op.f('uq_programmes_code'))
    )
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programmes_name'), ['name'], unique=False)
        batch_op.create_index('ix_programmes_sector_active', ['sector_id', 'is_active'], unique=False)
        batch_op.create_index(batch_op.f('ix_programmes_sector_id'), ['sector_id'], unique=False)

    op.create_table('school_holidays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_school_holidays_period')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_holidays_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_holidays'))
    )
    with op.batch_alter_table('school_holidays', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_holidays_school_id'), ['school_id'], unique=False)

    op.create_table('competencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.CheckConstraint("location IN ('school', 'workplace', 'both')", name=op.f('ck_competencies_location')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_competencies_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competencies')),
    sa.UniqueConstraint('programme_id', 'code', name=op.f('uq_competencies_programme_id_code'))
    )
    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.create_index('ix_competencies_programme_position', ['programme_id', 'position'], unique=False)

    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('municipality', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('length(number) = 10', name=op.f('ck_sites_number_length')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_sites_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('number', name=op.f('uq_sites_number'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_municipality'), ['municipality'], unique=False)
        batch_op.create_index('ix_sites_postcode', ['postcode'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('sector_id', sa.Integer(), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('session_epoch', sa.Integer(), nullable=False),
    sa.Column('calendar_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('invited_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_login_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(role = 'admin' AND school_id IS NULL AND company_id IS NULL AND sector_id IS NULL) OR (role = 'coordinator' AND school_id IS NOT NULL AND company_id IS NULL AND sector_id IS NULL) OR (role IN ('company', 'mentor') AND company_id IS NOT NULL AND school_id IS NULL AND sector_id IS NULL) OR (role = 'sector' AND sector_id IS NOT NULL AND school_id IS NULL AND company_id IS NULL)", name=op.f('ck_users_role_organisation')),
    sa.CheckConstraint("digest IN ('immediate', 'daily')", name=op.f('ck_users_digest')),
    sa.CheckConstraint("language IN ('nl', 'fr', 'en')", name=op.f('ck_users_language')),
    sa.CheckConstraint("role IN ('admin', 'coordinator', 'company', 'mentor', 'sector')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_users_company_id_companies')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_users_school_id_schools')),
    sa.ForeignKeyConstraint(['sector_id'], ['sectors.id'], name=op.f('fk_users_sector_id_sectors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('calendar_token_hash', name=op.f('uq_users_calendar_token_hash')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_users_role_active', ['role', 'is_active'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_sector_id'), ['sector_id'], unique=False)

    op.create_table('access_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('subject_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("purpose IN ('invitation', 'password_reset', 'sign_in', 'self_reflection')", name=op.f('ck_access_tokens_purpose')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_access_tokens_token_hash'))
    )
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_access_tokens_subject', ['subject_type', 'subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('entity_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_events_actor_at', ['actor_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('subject_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_documents_sha256')),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_documents_size')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_documents_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)
        batch_op.create_index('ix_documents_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('mentors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('function_title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('experience_years', sa.Integer(), nullable=False),
    sa.Column('relevant_qualification', sa.Boolean(), nullable=False),
    sa.Column('appointed_on', sa.Date(), nullable=True),
    sa.Column('training_completed_on', sa.Date(), nullable=True),
    sa.Column('record_check_on', sa.Date(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('experience_years >= 0', name=op.f('ck_mentors_experience_years')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_mentors_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mentors_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentors')),
    sa.UniqueConstraint('user_id', name=op.f('uq_mentors_user_id'))
    )
    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.create_index('ix_mentors_company_last_name', ['company_id', 'last_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentors_email'), ['email'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('entity_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('emailed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_pending_mail', ['emailed_at', 'created_at'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at', 'created_at'], unique=False)

    op.create_table('recognitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('sworn_declaration', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.CheckConstraint("status IN ('submitted', 'in_review', 'approved', 'refused', 'withdrawn', 'expired')", name=op.f('ck_recognitions_status')),
    sa.CheckConstraint('sworn_declaration', name=op.f('ck_recognitions_sworn_declaration')),
    sa.CheckConstraint('valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from', name=op.f('ck_recognitions_validity')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_recognitions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_recognitions_programme_id_programmes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_recognitions_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_recognitions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recognitions'))
    )
    with op.batch_alter_table('recognitions', schema=None) as batch_op:
        batch_op.create_index('ix_recognitions_programme_status', ['programme_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognitions_site_id'), ['site_id'], unique=False)
        batch_op.create_index('ix_recognitions_status_valid_until', ['status', 'valid_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognitions_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index('uq_recognitions_live_site_programme', ['site_id', 'programme_id'], unique=True, sqlite_where=sa.text("status IN ('submitted', 'in_review', 'approved')"), postgresql_where=sa.text("status IN ('submitted', 'in_review', 'approved')"))

    op.create_table('trajectories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('coordinator_id', sa.Integer(), nullable=True),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('learning_form', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('end_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('agreement_clock_starts_on', sa.Date(), nullable=True),
    sa.Column('class_group', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(status = 'active') = (ends_on IS NULL)", name=op.f('ck_trajectories_ended_when_not_active')),
    sa.CheckConstraint("learning_form IN ('duaal', 'werkplekleren', 'schoolgebonden')", name=op.f('ck_trajectories_learning_form')),
    sa.CheckConstraint("status IN ('active', 'qualified', 'unqualified', 'stopped', 'reoriented')", name=op.f('ck_trajectories_status')),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_trajectories_period')),
    sa.CheckConstraint('school_year BETWEEN 2000 AND 2100', name=op.f('ck_trajectories_school_year')),
    sa.ForeignKeyConstraint(['coordinator_id'], ['users.id'], name=op.f('fk_trajectories_coordinator_id_users')),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], name=op.f('fk_trajectories_learner_id_learners'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_trajectories_programme_id_programmes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_trajectories_school_id_schools'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trajectories')),
    sa.UniqueConstraint('learner_id', 'programme_id', 'school_year', name=op.f('uq_trajectories_learner_id_programme_id_school_year'))
    )
    with op.batch_alter_table('trajectories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trajectories_coordinator_id'), ['coordinator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trajectories_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index('ix_trajectories_programme_year', ['programme_id', 'school_year'], unique=False)
        batch_op.create_index('ix_trajectories_school_year_status', ['school_id', 'school_year', 'status'], unique=False)

    op.create_table('evaluation_moments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trajectory_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'draft', 'submitted', 'reviewed')", name=op.f('ck_evaluation_moments_status')),
    sa.ForeignKeyConstraint(['trajectory_id'], ['trajectories.id'], name=op.f('fk_evaluation_moments_trajectory_id_trajectories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_moments'))
    )
    with op.batch_alter_table('evaluation_moments', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_moments_status_due', ['status', 'due_on'], unique=False)
        batch_op.create_index('ix_evaluation_moments_trajectory_due', ['trajectory_id', 'due_on'], unique=False)

    op.create_table('placements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trajectory_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('recognition_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('hours_per_week', sa.Float(), nullable=False),
    sa.Column('recognition_lost_on', sa.Date(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_placements_period')),
    sa.CheckConstraint('hours_per_week > 0 AND hours_per_week <= 50', name=op.f('ck_placements_hours_per_week')),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentors.id'], name=op.f('fk_placements_mentor_id_mentors'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recognition_id'], ['recognitions.id'], name=op.f('fk_placements_recognition_id_recognitions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_placements_site_id_sites'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['trajectory_id'], ['trajectories.id'], name=op.f('fk_placements_trajectory_id_trajectories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placements'))
    )
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.create_index('ix_placements_mentor_period', ['mentor_id', 'ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_recognition_id'), ['recognition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_site_id'), ['site_id'], unique=False)
        batch_op.create_index('ix_placements_trajectory_period', ['trajectory_id', 'starts_on'], unique=False)

    op.create_table('recognition_mentors',
    sa.Column('recognition_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentors.id'], name=op.f('fk_recognition_mentors_mentor_id_mentors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recognition_id'], ['recognitions.id'], name=op.f('fk_recognition_mentors_recognition_id_recognitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recognition_id', 'mentor_id', name=op.f('pk_recognition_mentors'))
    )
    with op.batch_alter_table('recognition_mentors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recognition_mentors_mentor_id'), ['mentor_id'], unique=False)

    op.create_table('agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('previous_version_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('hours_per_week', sa.Float(), nullable=False),
    sa.Column('monthly_allowance', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('signed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('termination_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('internship', 'alternating_training', 'part_time_employment')", name=op.f('ck_agreements_kind')),
    sa.CheckConstraint("status IN ('draft', 'awaiting_signatures', 'signed', 'terminated')", name=op.f('ck_agreements_status')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_agreements_period')),
    sa.CheckConstraint('hours_per_week > 0 AND hours_per_week <= 50', name=op.f('ck_agreements_hours_per_week')),
    sa.CheckConstraint('monthly_allowance >= 0', name=op.f('ck_agreements_allowance')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_agreements_version')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_agreements_created_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_agreements_document_id_documents')),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_agreements_placement_id_placements'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['previous_version_id'], ['agreements.id'], name=op.f('fk_agreements_previous_version_id_agreements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements')),
    sa.UniqueConstraint('placement_id', 'version', name=op.f('uq_agreements_placement_id_version'))
    )
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreements_placement_id'), ['placement_id'], unique=False)
        batch_op.create_index('ix_agreements_status_sent_at', ['status', 'sent_at'], unique=False)

    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('moment_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('general_comment', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('school_comment', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('sent_back_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('self_reflection', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('self_reflection_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentors.id'], name=op.f('fk_evaluations_mentor_id_mentors')),
    sa.ForeignKeyConstraint(['moment_id'], ['evaluation_moments.id'], name=op.f('fk_evaluations_moment_id_evaluation_moments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_evaluations_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('moment_id', name=op.f('uq_evaluations_moment_id'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_mentor_id'), ['mentor_id'], unique=False)

    op.create_table('evaluation_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.CheckConstraint('level IS NULL OR level BETWEEN 1 AND 4', name=op.f('ck_evaluation_scores_level')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_evaluation_scores_competency_id_competencies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_evaluation_scores_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_scores')),
    sa.UniqueConstraint('evaluation_id', 'competency_id', name=op.f('uq_evaluation_scores_evaluation_id_competency_id'))
    )
    with op.batch_alter_table('evaluation_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_scores_competency_id'), ['competency_id'], unique=False)

    op.create_table('signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('party', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('signer_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('signer_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('token_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_reminded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('signed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('document_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.CheckConstraint("party IN ('learner', 'guardian', 'company', 'school')", name=op.f('ck_signatures_party')),
    sa.CheckConstraint('signed_at IS NULL OR length(document_sha256) = 64', name=op.f('ck_signatures_signed_has_hash')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_signatures_agreement_id_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signatures')),
    sa.UniqueConstraint('agreement_id', 'party', name=op.f('uq_signatures_agreement_id_party')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_signatures_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('signatures')
    with op.batch_alter_table('evaluation_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_scores_competency_id'))

    op.drop_table('evaluation_scores')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_mentor_id'))

    op.drop_table('evaluations')
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index('ix_agreements_status_sent_at')
        batch_op.drop_index(batch_op.f('ix_agreements_placement_id'))

    op.drop_table('agreements')
    with op.batch_alter_table('recognition_mentors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recognition_mentors_mentor_id'))

    op.drop_table('recognition_mentors')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index('ix_placements_trajectory_period')
        batch_op.drop_index(batch_op.f('ix_placements_site_id'))
        batch_op.drop_index(batch_op.f('ix_placements_recognition_id'))
        batch_op.drop_index('ix_placements_mentor_period')

    op.drop_table('placements')
    with op.batch_alter_table('evaluation_moments', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_moments_trajectory_due')
        batch_op.drop_index('ix_evaluation_moments_status_due')

    op.drop_table('evaluation_moments')
    with op.batch_alter_table('trajectories', schema=None) as batch_op:
        batch_op.drop_index('ix_trajectories_school_year_status')
        batch_op.drop_index('ix_trajectories_programme_year')
        batch_op.drop_index(batch_op.f('ix_trajectories_learner_id'))
        batch_op.drop_index(batch_op.f('ix_trajectories_coordinator_id'))

    op.drop_table('trajectories')
    with op.batch_alter_table('recognitions', schema=None) as batch_op:
        batch_op.drop_index('uq_recognitions_live_site_programme', sqlite_where=sa.text("status IN ('submitted', 'in_review', 'approved')"), postgresql_where=sa.text("status IN ('submitted', 'in_review', 'approved')"))
        batch_op.drop_index(batch_op.f('ix_recognitions_submitted_at'))
        batch_op.drop_index('ix_recognitions_status_valid_until')
        batch_op.drop_index(batch_op.f('ix_recognitions_site_id'))
        batch_op.drop_index('ix_recognitions_programme_status')

    op.drop_table('recognitions')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index('ix_notifications_pending_mail')

    op.drop_table('notifications')
    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentors_email'))
        batch_op.drop_index('ix_mentors_company_last_name')

    op.drop_table('mentors')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_subject')
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))

    op.drop_table('documents')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_entity')
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index('ix_audit_events_actor_at')
        batch_op.drop_index('ix_audit_events_action_at')

    op.drop_table('audit_events')
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_tokens_user_id'))
        batch_op.drop_index('ix_access_tokens_subject')

    op.drop_table('access_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_sector_id'))
        batch_op.drop_index(batch_op.f('ix_users_school_id'))
        batch_op.drop_index('ix_users_role_active')
        batch_op.drop_index(batch_op.f('ix_users_company_id'))

    op.drop_table('users')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index('ix_sites_postcode')
        batch_op.drop_index(batch_op.f('ix_sites_municipality'))
        batch_op.drop_index(batch_op.f('ix_sites_company_id'))

    op.drop_table('sites')
    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.drop_index('ix_competencies_programme_position')

    op.drop_table('competencies')
    with op.batch_alter_table('school_holidays', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_holidays_school_id'))

    op.drop_table('school_holidays')
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programmes_sector_id'))
        batch_op.drop_index('ix_programmes_sector_active')
        batch_op.drop_index(batch_op.f('ix_programmes_name'))

    op.drop_table('programmes')
    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.drop_index('ix_learners_school_name')
        batch_op.drop_index(batch_op.f('ix_learners_class_group'))

    op.drop_table('learners')
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_companies_sector_id'))
        batch_op.drop_index('ix_companies_postcode')
        batch_op.drop_index(batch_op.f('ix_companies_name'))
        batch_op.drop_index(batch_op.f('ix_companies_municipality'))

    op.drop_table('companies')
    with op.batch_alter_table('sectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sectors_name'))

    op.drop_table('sectors')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schools_name'))

    op.drop_table('schools')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_job_started')

    op.drop_table('job_runs')
