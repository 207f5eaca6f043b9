"""The customer portal's stylesheet and icon (package data)."""
