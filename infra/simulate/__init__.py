"""`lease simulate`: the scenario format (scenario), one contract lived in-process
(in_process) or through PostgreSQL, the broker and the workers (on_stack)."""
