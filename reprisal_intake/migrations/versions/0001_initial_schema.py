"""Initial schema, and the mechanisms of docs/domain.md.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A frozen copy: later changes to the list are new migrations, not edits of this one.
MECHANISMS = [
    ("CCPR", "Human Rights Committee", "treaty"),
    ("CESCR", "Committee on Economic, Social and Cultural Rights", "treaty"),
    ("CERD", "Committee on the Elimination of Racial Discrimination", "treaty"),
    ("CEDAW", "Committee on the Elimination of Discrimination against Women", "treaty"),
    ("CAT", "Committee against Torture", "treaty"),
    ("SPT", "Subcommittee on Prevention of Torture", "treaty"),
    ("CRC", "Committee on the Rights of the Child", "treaty"),
    ("CMW", "Committee on Migrant Workers", "treaty"),
    ("CRPD", "Committee on the Rights of Persons with Disabilities", "treaty"),
    ("CED", "Committee on Enforced Disappearances", "treaty"),
    ("HRC", "Human Rights Council (President and Bureau)", "charter"),
    ("UPR", "Universal Periodic Review", "charter"),
    ("SP", "Special procedures (Special Rapporteur on human rights defenders)", "charter"),
    ("FORUM", "UN forums (Social Forum, Minority Issues, Business and Human Rights)", "charter"),
    ("ASG", "Assistant Secretary-General leading UN work on reprisals", "charter"),
    ("FIELD", "OHCHR field presences, country teams and peace operations", "charter"),
    ("ACHPR", "African Commission on Human and Peoples' Rights", "regional"),
    ("IACHR", "Inter-American Commission on Human Rights", "regional"),
    ("IACTHR", "Inter-American Court of Human Rights", "regional"),
    ("ECHR", "European Court of Human Rights", "regional"),
    ("COE", "Council of Europe Commissioner for Human Rights", "regional"),
    ("AHRC", "Arab Human Rights Committee", "regional"),
    ("AICHR", "ASEAN Intergovernmental Commission on Human Rights", "regional"),
]


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('ref', sa.String(length=24), nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('submitter_public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=True),
    sa.Column('in_detention', sa.String(length=8), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('ref', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_created'), ['created'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_urgency'), ['urgency'], unique=False)

    op.create_table('mechanisms',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('group', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('accepts_reports', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_mechanisms'))
    )
    mechanisms = sa.table(
        "mechanisms",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("group", sa.String),
        sa.column("position", sa.Integer),
        sa.column("accepts_reports", sa.Boolean),
    )
    op.bulk_insert(
        mechanisms,
        [
            {"code": code, "name": name, "group": group, "position": position,
             "accepts_reports": True}
            for position, (code, name, group) in enumerate(MECHANISMS)
        ],
    )
    op.create_table('reviewers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviewers')),
    sa.UniqueConstraint('name', name=op.f('uq_reviewers_name'))
    )
    op.create_table('access_stanzas',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_ref', sa.String(length=24), nullable=False),
    sa.Column('reviewer_id', sa.String(length=32), nullable=False),
    sa.Column('sealed_case_key', sa.LargeBinary(length=80), nullable=False),
    sa.Column('created', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['case_ref'], ['cases.ref'], name=op.f('fk_access_stanzas_case_ref_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], name=op.f('fk_access_stanzas_reviewer_id_reviewers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_stanzas')),
    sa.UniqueConstraint('case_ref', 'reviewer_id', name=op.f('uq_access_stanzas_case_ref'))
    )
    with op.batch_alter_table('access_stanzas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_stanzas_case_ref'), ['case_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_stanzas_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('case_mechanisms',
    sa.Column('case_ref', sa.String(length=24), nullable=False),
    sa.Column('mechanism_code', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['case_ref'], ['cases.ref'], name=op.f('fk_case_mechanisms_case_ref_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mechanism_code'], ['mechanisms.code'], name=op.f('fk_case_mechanisms_mechanism_code_mechanisms')),
    sa.PrimaryKeyConstraint('case_ref', 'mechanism_code', name=op.f('pk_case_mechanisms'))
    )
    with op.batch_alter_table('case_mechanisms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_mechanisms_mechanism_code'), ['mechanism_code'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_ref', sa.String(length=24), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('mechanism_code', sa.String(length=16), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('given_by', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('recorded', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['case_ref'], ['cases.ref'], name=op.f('fk_consents_case_ref_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mechanism_code'], ['mechanisms.code'], name=op.f('fk_consents_mechanism_code_mechanisms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_case_ref'), ['case_ref'], unique=False)

    op.create_table('items',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_ref', sa.String(length=24), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created', sa.Date(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_ref'], ['cases.ref'], name=op.f('fk_items_case_ref_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('case_ref', 'seq', name=op.f('uq_items_case_ref'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_case_ref'), ['case_ref'], unique=False)

    op.create_table('reviewer_mechanisms',
    sa.Column('reviewer_id', sa.String(length=32), nullable=False),
    sa.Column('mechanism_code', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['mechanism_code'], ['mechanisms.code'], name=op.f('fk_reviewer_mechanisms_mechanism_code_mechanisms')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], name=op.f('fk_reviewer_mechanisms_reviewer_id_reviewers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reviewer_id', 'mechanism_code', name=op.f('pk_reviewer_mechanisms'))
    )
    with op.batch_alter_table('reviewer_mechanisms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewer_mechanisms_mechanism_code'), ['mechanism_code'], unique=False)

    op.create_table('submitter_tags',
    sa.Column('tag', sa.LargeBinary(length=32), nullable=False),
    sa.Column('case_ref', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['case_ref'], ['cases.ref'], name=op.f('fk_submitter_tags_case_ref_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tag', name=op.f('pk_submitter_tags')),
    sa.UniqueConstraint('case_ref', name=op.f('uq_submitter_tags_case_ref'))
    )
    op.create_table('envelope_chunks',
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_envelope_chunks_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'seq', name=op.f('pk_envelope_chunks'))
    )


def downgrade() -> None:
    op.drop_table('envelope_chunks')
    op.drop_table('submitter_tags')
    with op.batch_alter_table('reviewer_mechanisms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewer_mechanisms_mechanism_code'))

    op.drop_table('reviewer_mechanisms')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_case_ref'))

    op.drop_table('items')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_case_ref'))

    op.drop_table('consents')
    with op.batch_alter_table('case_mechanisms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_mechanisms_mechanism_code'))

    op.drop_table('case_mechanisms')
    with op.batch_alter_table('access_stanzas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_stanzas_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_access_stanzas_case_ref'))

    op.drop_table('access_stanzas')
    op.drop_table('reviewers')
    op.drop_table('mechanisms')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_urgency'))
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_created'))

    op.drop_table('cases')
