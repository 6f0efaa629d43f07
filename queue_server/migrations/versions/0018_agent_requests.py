"""代理办 and 上门办理: a citizen's request for a hall's agents or a home visit, and the visit booked.

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agent_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('home_visit', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('visit_at', sa.DateTime(), nullable=True),
    sa.Column('visit_address', sa.String(length=200), nullable=True),
    sa.Column('visit_booked_by_id', sa.Integer(), nullable=True),
    sa.Column('visit_booked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['visit_booked_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id')
    )


def downgrade():
    op.drop_table('agent_requests')
