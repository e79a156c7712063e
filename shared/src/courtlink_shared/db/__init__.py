"""Database set-up: async engines and sessions, platform tables, Alembic migrations."""
