"""Hall administration: hall levels, parents and issuing hours, window pickup and queue order,
retired queues, the hall an audit entry concerns.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = 'audit_log is append-only'


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # Added in place: batch mode would rebuild halls, and dropping a table other rows name fails.
        op.execute("ALTER TABLE halls ADD COLUMN level VARCHAR(16) DEFAULT 'district' NOT NULL")
        op.execute("ALTER TABLE halls ADD COLUMN parent_id INTEGER REFERENCES halls (id)")
    else:
        with op.batch_alter_table('halls', schema=None) as batch_op:
            batch_op.add_column(sa.Column('level', sa.String(length=16), server_default='district',
                                          nullable=False))
            batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key('fk_halls_parent_id_halls', 'halls', ['parent_id'], ['id'])

    op.create_table('hall_hours',
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('open', sa.String(length=5), nullable=True),
    sa.Column('last_ticket', sa.String(length=5), nullable=True),
    sa.Column('close', sa.String(length=5), nullable=True),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('hall_id', 'weekday')
    )

    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('windows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pickup', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('window_queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hall_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_hall_id'), ['hall_id'], unique=False)
    _sqlite_append_only()


def _sqlite_append_only():
    """Create 0009's append-only triggers again: SQLite's batch mode rebuilt the table without them."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    for verb in ('UPDATE', 'DELETE'):
        op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
        op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                   f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END")


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_hall_id'))
        batch_op.drop_column('hall_id')
    _sqlite_append_only()
    with op.batch_alter_table('window_queues', schema=None) as batch_op:
        batch_op.drop_column('position')
    with op.batch_alter_table('windows', schema=None) as batch_op:
        batch_op.drop_column('pickup')
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
    op.drop_table('hall_hours')
    with op.batch_alter_table('halls', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'sqlite':
            batch_op.drop_constraint('fk_halls_parent_id_halls', type_='foreignkey')
        batch_op.drop_column('parent_id')
        batch_op.drop_column('level')
