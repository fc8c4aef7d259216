"""Overrides the test suite applies on top of default.py (the tests pass DATABASE_URL themselves)."""

ENV = "development"
SECRET_KEY = "test-secret-key-not-for-production"
TESTING = True
