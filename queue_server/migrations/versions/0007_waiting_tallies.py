"""Waiting counts kept as tallies, and an index of the tickets a window holds.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

HELD_WHERE = "state IN ('called', 'serving')"


def upgrade():
    op.create_table('waiting_tallies',
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('lane', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('waiting', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], ),
    sa.PrimaryKeyConstraint('queue_id', 'service_date', 'lane', 'slot')
    )
    # The tickets waiting now are counted once; from here on every change keeps the tallies.
    op.execute(
        "INSERT INTO waiting_tallies (queue_id, service_date, lane, slot, waiting) "
        "SELECT queue_id, service_date, lane, 0, count(*) FROM tickets WHERE state = 'waiting' "
        "GROUP BY queue_id, service_date, lane"
    )
    op.create_index('ix_tickets_held', 'tickets', ['window_id'], unique=False,
                    postgresql_where=sa.text(HELD_WHERE), sqlite_where=sa.text(HELD_WHERE))


def downgrade():
    op.drop_index('ix_tickets_held', table_name='tickets',
                  postgresql_where=sa.text(HELD_WHERE), sqlite_where=sa.text(HELD_WHERE))
    op.drop_table('waiting_tallies')
