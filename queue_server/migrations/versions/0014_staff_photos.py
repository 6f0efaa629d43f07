"""Staff 工号 and photos for the evaluator: users.employee_no (unique, optional), users.photo_at, and
staff_photos holding each user's photo (a bounded JPEG).

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employee_no', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('photo_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint('uq_users_employee_no', ['employee_no'])
    op.create_table('staff_photos',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade():
    op.drop_table('staff_photos')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_employee_no', type_='unique')
        batch_op.drop_column('photo_at')
        batch_op.drop_column('employee_no')
