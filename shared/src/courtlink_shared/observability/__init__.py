"""Observability: JSON logs with correlation ids, Prometheus metrics."""
