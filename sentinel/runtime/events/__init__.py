"""Event and command envelopes, the outbox, and the bus adapters (NATS JetStream, Kafka, Redis Streams)."""
