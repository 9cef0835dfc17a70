"""REST API v1 of the indicators app (see docs/api.md)."""
