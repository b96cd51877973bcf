"""fake reports: visitors report fake customer-service contacts from the verifier; staff confirm or dismiss them

Revision ID: e6543247ac76
Revises: 7c3e51a0b9d2
Create Date: 2026-12-02 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6543247ac76'
down_revision = '7c3e51a0b9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fake_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('reporter', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_member.id'],
                            name=op.f('fk_fake_report_decided_by_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fake_report'))
    )
    with op.batch_alter_table('fake_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fake_report_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_fake_report_reporter'), ['reporter'], unique=False)
        batch_op.create_index(batch_op.f('ix_fake_report_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('fake_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fake_report_status'))
        batch_op.drop_index(batch_op.f('ix_fake_report_reporter'))
        batch_op.drop_index(batch_op.f('ix_fake_report_key'))
    op.drop_table('fake_report')
