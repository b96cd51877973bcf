"""case summaries: worded, anonymised outcomes with a draft → approved → published → withdrawn workflow

Revision ID: b41f2c9d7e10
Revises: e6543247ac76
Create Date: 2026-12-01 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b41f2c9d7e10'
down_revision = 'e6543247ac76'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['staff_member.id'],
                            name=op.f('fk_case_summary_approved_by_id_staff_member')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_case_summary_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['staff_member.id'],
                            name=op.f('fk_case_summary_drafted_by_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_summary')),
    sa.UniqueConstraint('complaint_id', name=op.f('uq_case_summary_complaint_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_case_summary_public_id'))
    )
    with op.batch_alter_table('case_summary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_summary_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_summary_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('case_summary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_summary_status'))
        batch_op.drop_index(batch_op.f('ix_case_summary_published_at'))
    op.drop_table('case_summary')
