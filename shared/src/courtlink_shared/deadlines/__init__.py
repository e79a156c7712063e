"""Deadlines: working-day arithmetic on the Chinese calendar, and sweeps that act on due items exactly once."""
