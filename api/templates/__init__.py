"""The HTML templates of the API's rendered documents (package data)."""
