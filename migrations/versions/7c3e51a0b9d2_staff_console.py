"""staff console: accounts, audit log, alerts, case presence; complaint version, assignee and outcome

Revision ID: 7c3e51a0b9d2
Revises: d6829bcd90d7
Create Date: 2026-12-01 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e51a0b9d2'
down_revision = 'd6829bcd90d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_required', sa.Boolean(), nullable=False),
    sa.Column('totp_last_step', sa.BigInteger(), nullable=True),
    sa.Column('session_token', sa.String(length=64), nullable=True),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notify_by_email', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_member')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_member_email'))
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=254), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_audit_entry_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_audit_entry_staff_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_staff_id'), ['staff_id'], unique=False)

    op.create_table('staff_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_staff_alert_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_staff_alert_staff_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_alert'))
    )
    with op.batch_alter_table('staff_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_alert_staff_id'), ['staff_id'], unique=False)

    op.create_table('case_view',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_case_view_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_case_view_staff_id_staff_member')),
    sa.PrimaryKeyConstraint('staff_id', 'complaint_id', name=op.f('pk_case_view'))
    )
    with op.batch_alter_table('case_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_view_seen_at'), ['seen_at'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('due_soon_alerted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('outcome_amount_cents', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_complaint_assignee_id_staff_member'), 'staff_member',
                                    ['assignee_id'], ['id'])

    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaint_event_staff_id_staff_member'), 'staff_member',
                                    ['staff_id'], ['id'])
        # Free-text names become accounts; the only rows holding one so far are demo data.
        batch_op.drop_column('staff_name')


def downgrade():
    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_name', sa.String(length=80), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_complaint_event_staff_id_staff_member'), type_='foreignkey')
        batch_op.drop_column('staff_id')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_assignee_id_staff_member'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaint_assignee_id'))
        batch_op.drop_column('outcome_amount_cents')
        batch_op.drop_column('outcome')
        batch_op.drop_column('due_soon_alerted_at')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('version')

    with op.batch_alter_table('case_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_view_seen_at'))
    op.drop_table('case_view')
    with op.batch_alter_table('staff_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_alert_staff_id'))
    op.drop_table('staff_alert')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_staff_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_kind'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
    op.drop_table('audit_entry')
    op.drop_table('staff_member')
