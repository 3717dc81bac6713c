"""Conversation store: sessions, answers with their audit records, feedback, staff and access log.

SQLAlchemy Core over SQLite (default, one file in WAL mode) or PostgreSQL (GUICHET_DATABASE_URL);
the schema is created and upgraded by Alembic migrations when the store opens.
"""
