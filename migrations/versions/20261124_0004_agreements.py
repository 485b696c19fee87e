"""agreements: documents, signer names, one request per document

The agreement keeps the PDF sent for signature and the final signed PDF (documents), and the data
the contract was rendered from. A signature request belongs to one sent document: re-sending a
changed agreement asks every party again, and the links of the earlier document stay recognisable.

Revision ID: 0004_agreements
Revises: 0003
Create Date: 2026-11-24 15:14:04.160511

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0004_agreements'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('contract_data', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_agreements_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_signed_document_id'), ['signed_document_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_agreements_signed_document_id_documents'), 'documents', ['signed_document_id'], ['id'])

    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expected_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False, server_default='nl'))
        batch_op.create_check_constraint(batch_op.f('ck_signatures_language'), "language IN ('nl', 'fr', 'en')")
        batch_op.drop_constraint(batch_op.f('uq_signatures_agreement_id_party'), type_='unique')
        batch_op.create_index(batch_op.f('ix_signatures_document_id'), ['document_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_signatures_agreement_id_document_id_party'), ['agreement_id', 'document_id', 'party'])
        batch_op.create_foreign_key(batch_op.f('fk_signatures_document_id_documents'), 'documents', ['document_id'], ['id'])

    # The defaults only filled rows that already existed; the application always sets both.
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.alter_column('expected_name', server_default=None)
        batch_op.alter_column('language', server_default=None)



def downgrade() -> None:
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_signatures_document_id_documents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_signatures_agreement_id_document_id_party'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_signatures_language'), type_='check')
        batch_op.drop_index(batch_op.f('ix_signatures_document_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_signatures_agreement_id_party'), ['agreement_id', 'party'])
        batch_op.drop_column('language')
        batch_op.drop_column('expected_name')
        batch_op.drop_column('document_id')

    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agreements_signed_document_id_documents'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_agreements_signed_document_id'))
        batch_op.drop_index(batch_op.f('ix_agreements_document_id'))
        batch_op.drop_column('contract_data')
        batch_op.drop_column('signed_document_id')

