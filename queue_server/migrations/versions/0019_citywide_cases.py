"""同城办: a case's jurisdiction, departments per district (hall and line) and transfer slips (流转单).

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('departments', sa.Column('hall_id', sa.Integer(), nullable=True))
    op.add_column('departments', sa.Column('line', sa.String(length=32), nullable=True))
    with op.batch_alter_table('departments') as batch_op:
        batch_op.create_foreign_key('fk_departments_hall_id_halls', 'halls', ['hall_id'], ['id'])
    op.add_column('cases', sa.Column('jurisdiction_id', sa.Integer(), nullable=True))
    # A case so far was decided in the district of the hall that accepted it (at most two levels up).
    op.execute('UPDATE cases SET jurisdiction_id = hall_id')
    for _ in range(2):
        op.execute(
            'UPDATE cases SET jurisdiction_id = (SELECT parent_id FROM halls WHERE halls.id = cases.jurisdiction_id)'
            ' WHERE jurisdiction_id IN (SELECT id FROM halls WHERE parent_id IS NOT NULL)'
        )
    with op.batch_alter_table('cases') as batch_op:
        batch_op.alter_column('jurisdiction_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_cases_jurisdiction_id_halls', 'halls', ['jurisdiction_id'], ['id'])
    op.create_table('case_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_hall_id', sa.Integer(), nullable=False),
    sa.Column('to_hall_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['from_hall_id'], ['halls.id'], ),
    sa.ForeignKeyConstraint(['to_hall_id'], ['halls.id'], ),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_case_transfers_case_id', 'case_transfers', ['case_id'], unique=False)


def downgrade():
    op.drop_index('ix_case_transfers_case_id', table_name='case_transfers')
    op.drop_table('case_transfers')
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_constraint('fk_cases_jurisdiction_id_halls', type_='foreignkey')
        batch_op.drop_column('jurisdiction_id')
    with op.batch_alter_table('departments') as batch_op:
        batch_op.drop_constraint('fk_departments_hall_id_halls', type_='foreignkey')
        batch_op.drop_column('line')
        batch_op.drop_column('hall_id')
