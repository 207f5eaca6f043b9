"""The outbox relay: the stored events to the contract-events topic (outbox), read in
batches (reader), its position and what it knows of the broker (tracking)."""
