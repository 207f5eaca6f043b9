"""The infrastructure of one process: PostgreSQL and a Kafka-protocol broker, embedded (started
and stopped here) or external (stack)."""
