"""Test support: real Kafka and PostgreSQL for every test (environment, local processes, testcontainers)."""
