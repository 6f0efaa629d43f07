"""Bundles (一件事) as administered data: the order between parts and the questionnaire, in the item and its versions.

Revision ID: 0015
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    # Plain nullable columns: added in place on SQLite too; null: no order, no questions.
    for table in ("services", "service_versions"):
        op.add_column(table, sa.Column("depends", sa.JSON(), nullable=True))
        op.add_column(table, sa.Column("questions", sa.JSON(), nullable=True))


def downgrade():
    for table in ("service_versions", "services"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("questions")
            batch_op.drop_column("depends")
