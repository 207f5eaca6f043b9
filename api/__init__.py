"""api layer of lease-lifecycle (see DESIGN.md section 2)."""
