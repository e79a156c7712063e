"""Local infrastructure: a real Kafka broker and a throwaway PostgreSQL cluster, started without Docker."""
