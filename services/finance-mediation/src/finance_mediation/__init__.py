"""Courtlink finance-mediation service."""
