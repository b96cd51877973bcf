"""complaint lookups by order and by contact read the newest rows from an index (order, email, phone + filing time)

Revision ID: a41e8c2f5d07
Revises: f3a9c1d27b64
Create Date: 2026-12-01 17:40:00.000000

Triage asks for the first complaint about an order and a contact's latest complaints within a window. With
single-column indexes the database read every complaint of that order or contact and sorted them, so a
contact who had filed many made each new complaint slower to accept.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a41e8c2f5d07'
down_revision = 'f3a9c1d27b64'
branch_labels = None
depends_on = None

COLUMNS = ('order_number', 'contact_email', 'contact_phone')


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(f'ix_complaint_{column}')
            batch_op.create_index(f'ix_complaint_{column}_created', [column, 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_index(f'ix_complaint_{column}_created')
            batch_op.create_index(f'ix_complaint_{column}', [column], unique=False)
