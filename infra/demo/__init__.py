"""The demo contract `lease dev` loads once (package data: demo-contract.json)."""
