"""REST API v1 of the projects app (see docs/api.md)."""
