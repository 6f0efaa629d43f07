"""Alembic: one head, and the migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from queue_server.extensions import db


def _scripts(app) -> ScriptDirectory:
    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def test_one_head(app):
    """Is there exactly one migration head?"""
    with app.app_context():
        assert len(_scripts(app).get_heads()) == 1


def test_migrated_schema_matches_models(app):
    """Does the migrated database (SQLite and PostgreSQL) differ in nothing from the models?"""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert context.get_current_revision() == _scripts(current_app).get_current_head()
        assert compare_metadata(context, db.metadata) == []
