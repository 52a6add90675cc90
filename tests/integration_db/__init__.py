"""The demo app's actions over a real database, on SQLite and on PostgreSQL."""
