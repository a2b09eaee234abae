"""Persistence: the schema (SQLAlchemy 2 models + Alembic migrations) and the queries over it."""
