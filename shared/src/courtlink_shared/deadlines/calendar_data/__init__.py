"""Per-year calendar data files (see calendar.py)."""
