"""A city of halls: an item names the halls that accept it (null: every hall), in the item and its versions.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # Plain nullable columns: added in place on SQLite too (no table rebuild); null keeps every item
    # accepted at every hall, as before.
    op.add_column('services', sa.Column('halls', sa.JSON(), nullable=True))
    op.add_column('service_versions', sa.Column('halls', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('service_versions') as batch_op:
        batch_op.drop_column('halls')
    with op.batch_alter_table('services') as batch_op:
        batch_op.drop_column('halls')
