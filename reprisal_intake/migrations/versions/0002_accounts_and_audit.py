"""Accounts, sign-in sessions, WebAuthn credentials, the audit log; reviewer keys held in the app.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('audit_log',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('case_ref', sa.String(length=24), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_case_ref'), ['case_ref'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('roles', sa.String(length=128), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_last_step', sa.Integer(), nullable=True),
    sa.Column('recovery_code_hashes', sa.Text(), nullable=False),
    sa.Column('invitation_hash', sa.String(length=64), nullable=True),
    sa.Column('invitation_expires', sa.DateTime(), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('invitation_hash', name=op.f('uq_users_invitation_hash')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('user_mechanisms',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('mechanism_code', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['mechanism_code'], ['mechanisms.code'], name=op.f('fk_user_mechanisms_mechanism_code_mechanisms')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_mechanisms_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'mechanism_code', name=op.f('pk_user_mechanisms'))
    )
    op.create_table('webauthn_credentials',
    sa.Column('id', sa.LargeBinary(length=1024), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('sign_count', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('last_used', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webauthn_credentials_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webauthn_credentials'))
    )
    with op.batch_alter_table('webauthn_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webauthn_credentials_user_id'), ['user_id'], unique=False)

    op.create_table('admin_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.Column('challenge', sa.LargeBinary(length=64), nullable=True),
    sa.Column('pending_totp_secret', sa.String(length=64), nullable=True),
    sa.Column('unlocked_reviewer_id', sa.String(length=32), nullable=True),
    sa.Column('sealed_secret_key', sa.LargeBinary(length=72), nullable=True),
    sa.ForeignKeyConstraint(['unlocked_reviewer_id'], ['reviewers.id'], name=op.f('fk_admin_sessions_unlocked_reviewer_id_reviewers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_admin_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_sessions'))
    )
    with op.batch_alter_table('admin_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_created_ref', ['created', 'ref'], unique=False)

    with op.batch_alter_table('reviewers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('wrapped_secret_key', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('escrow', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_reviewers_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_reviewers_user_id_users'), 'users', ['user_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('reviewers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reviewers_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_reviewers_user_id'))
        batch_op.drop_column('escrow')
        batch_op.drop_column('wrapped_secret_key')
        batch_op.drop_column('user_id')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_created_ref')

    with op.batch_alter_table('admin_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_sessions_user_id'))

    op.drop_table('admin_sessions')
    with op.batch_alter_table('webauthn_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webauthn_credentials_user_id'))

    op.drop_table('webauthn_credentials')
    op.drop_table('user_mechanisms')
    op.drop_table('users')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_case_ref'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
    op.drop_table('audit_head')
