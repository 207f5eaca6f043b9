"""The customer portal "Mijn Financial Services" (RULES 7, 9.8): its pure domain.

`PortalAccount` (one per customer number) records registration, access, terms acceptance,
the audit trail and the portal's content; `PortalTermsCatalogue` the published terms
versions and maintenance notices; `eligibility` says who may use the portal and until
when; `PortalApplication` stores both aggregates. Codes, passwords and sessions are infra's:
the domain records their verdicts only.
"""
