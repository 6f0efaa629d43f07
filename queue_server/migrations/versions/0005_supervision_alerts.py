"""Supervision: time-limit alerts and scheduler bookkeeping.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('light', sa.String(length=8), nullable=False),
    sa.Column('previous_light', sa.String(length=8), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('remaining_workdays', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'seq')
    )
    with op.batch_alter_table('case_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_case_alerts_hall_raised', ['hall_id', 'raised_at'], unique=False)

    op.add_column('tickets', sa.Column('near_notified_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('near_notified_at')
    with op.batch_alter_table('case_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_case_alerts_hall_raised')

    op.drop_table('case_alerts')
