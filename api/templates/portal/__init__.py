"""The customer portal's page templates (package data)."""
