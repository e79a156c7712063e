"""Courtlink judicial-advice service."""
