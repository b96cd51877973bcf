"""complaint seller: the seller or shop a complaint names, for the public seller accountability table

Revision ID: c7d2a4e19f35
Revises: b41f2c9d7e10
Create Date: 2026-12-01 10:40:00.000000

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2a4e19f35'
down_revision = 'b41f2c9d7e10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seller_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_seller_id'), ['seller_id'], unique=False)
    # Fill it from the details already stored, with the same normalisation as services.normalize_seller.
    complaint = sa.table('complaint', sa.column('id', sa.Integer), sa.column('details', sa.JSON),
                         sa.column('seller_id', sa.String))
    connection = op.get_bind()
    for row_id, details in connection.execute(sa.select(complaint.c.id, complaint.c.details)).all():
        seller = " ".join(unicodedata.normalize("NFKC", (details or {}).get("seller_id") or "").split()).lower()[:64]
        if seller:
            connection.execute(complaint.update().where(complaint.c.id == row_id).values(seller_id=seller))


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_seller_id'))
        batch_op.drop_column('seller_id')
