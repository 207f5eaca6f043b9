"""The projection engine: row views and their tables (in PostgreSQL or in memory), the batch
projections, the runner that applies them to the event log, and rebuilds over several cores.
It knows no read model; projections/views/ holds those and projections/registry.py lists them."""
