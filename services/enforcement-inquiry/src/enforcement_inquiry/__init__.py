"""Courtlink enforcement-inquiry service."""
