"""The customer portal's security and personal-data stores, on PostgreSQL (PORTAL.md).

One module each: the server secret, authentication codes, passwords, personal data and
usernames, customer contacts (P-30), sessions, the login throttle and the notifications
outbox. Every store keeps its table in the event store's schema, created if missing, and
takes the time as a parameter (`now`, UTC aware) wherever time matters.
"""
