"""complaint intake channel, stored durations, the statistics tally, indexes for outcomes, queue and statistics

Revision ID: f3a9c1d27b64
Revises: c7d2a4e19f35
Create Date: 2026-12-01 12:40:00.000000

The tally starts empty and stored durations start NULL: on a database that already holds complaints, run
`flask complaints rebuild-stats` once after this upgrade (docs/transparency.md, "Statistics at scale").
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c1d27b64'
down_revision = 'c7d2a4e19f35'
branch_labels = None
depends_on = None

DURATIONS = ('first_response_seconds', 'first_response_working_seconds', 'resolution_seconds',
             'resolution_working_seconds')
INDEXES = (
    ('ix_complaint_published_order', ['consent_publish', 'status', 'closed_at', 'id']),
    ('ix_complaint_demo_created', ['is_demo', 'created_at']),
    ('ix_complaint_status_created', ['status', 'created_at']),
    ('ix_complaint_status_assignee', ['status', 'assignee_id']),
    ('ix_complaint_first_response_due', ['first_response_due']),
    ('ix_complaint_resolution_due', ['resolution_due']),
    ('ix_complaint_closed_at', ['closed_at']),
    ('ix_complaint_status_clock', ['status', 'first_responded_at', 'first_response_due', 'resolution_due']),
    *((f'ix_complaint_{name}', [name, 'created_at']) for name in DURATIONS),
)


def upgrade():
    op.create_table('complaint_tally',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=80), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'name', 'value', name=op.f('pk_complaint_tally'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intake_channel', sa.String(length=8), server_default='web', nullable=False))
        for name in DURATIONS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('tally_keys', sa.JSON(), nullable=True))
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for name, _ in reversed(INDEXES):
            batch_op.drop_index(name)
        for name in reversed(DURATIONS):
            batch_op.drop_column(name)
        batch_op.drop_column('tally_keys')
        batch_op.drop_column('intake_channel')
    op.drop_table('complaint_tally')
