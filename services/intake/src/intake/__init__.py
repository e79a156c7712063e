"""Courtlink intake service."""
