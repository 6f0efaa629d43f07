"""Case hand-overs: who collected a result (本人 or 受托人, ID number, 委托书) or signed for its mail,
and the signature drawn on screen for the 送达回证.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('collector_kind', sa.String(length=8), nullable=True),
    sa.Column('collector_name', sa.String(length=50), nullable=True),
    sa.Column('collector_id_number', sa.String(length=18), nullable=True),
    sa.Column('id_checked', sa.Boolean(), nullable=False),
    sa.Column('proxy_letter', sa.Boolean(), nullable=False),
    sa.Column('waybill_no', sa.String(length=40), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signature_png', sa.LargeBinary(), nullable=True),
    sa.Column('clerk_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['clerk_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id')
    )


def downgrade():
    op.drop_table('case_handovers')
