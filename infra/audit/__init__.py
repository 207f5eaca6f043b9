"""What auditors use (DESIGN 9): the hash chain over stored events, its verification,
the published chain heads, replay as of a date or as known at a time, and the audit pack."""
