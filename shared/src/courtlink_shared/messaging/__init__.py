"""Messaging: the transactional outbox and its relay, idempotent consumers with retry and dead letters."""
