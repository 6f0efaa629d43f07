"""The item list with versions: drafts, published versions with their date of effect, and the version
a case was created under. Every existing item becomes its version 1, in effect since 2020-01-01, and
every existing case names it.

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CONTENT = 'name, department_id, queue_code, modes, legal_days, promised_days, materials, guide, parts'


def upgrade():
    op.create_table('service_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('effective', sa.Date(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('queue_code', sa.String(length=32), nullable=False),
    sa.Column('modes', sa.JSON(), nullable=False),
    sa.Column('legal_days', sa.Integer(), nullable=False),
    sa.Column('promised_days', sa.Integer(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('guide', sa.JSON(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('service_id', 'number', name='uq_service_versions_service_number')
    )
    op.create_index(op.f('ix_service_versions_service_id'), 'service_versions', ['service_id'], unique=False)
    # Plain nullable columns: added in place on SQLite too (no table rebuild).
    op.add_column('services', sa.Column('version', sa.Integer(), nullable=True))
    op.add_column('services', sa.Column('draft', sa.JSON(), nullable=True))
    op.add_column('services', sa.Column('draft_updated_at', sa.DateTime(), nullable=True))
    op.add_column('cases', sa.Column('service_version', sa.Integer(), nullable=True))

    now = "CURRENT_TIMESTAMP" if op.get_bind().dialect.name == 'sqlite' else "(now() AT TIME ZONE 'utc')"
    op.execute(
        f"INSERT INTO service_versions (service_id, number, effective, published_at, {CONTENT}) "
        f"SELECT id, 1, DATE '2020-01-01', {now}, {CONTENT} FROM services"
        if op.get_bind().dialect.name != 'sqlite' else
        f"INSERT INTO service_versions (service_id, number, effective, published_at, {CONTENT}) "
        f"SELECT id, 1, '2020-01-01', {now}, {CONTENT} FROM services"
    )
    op.execute("UPDATE services SET version = 1")
    op.execute("UPDATE cases SET service_version = 1")


def downgrade():
    op.drop_column('cases', 'service_version')
    op.drop_column('services', 'draft_updated_at')
    op.drop_column('services', 'draft')
    op.drop_column('services', 'version')
    op.drop_index(op.f('ix_service_versions_service_id'), table_name='service_versions')
    op.drop_table('service_versions')
