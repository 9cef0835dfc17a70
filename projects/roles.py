"""The roles now live in the core policy (portfolio.policy); this name is kept for older imports."""

from portfolio.policy import Role, sync_role_groups

__all__ = ["Role", "sync_role_groups"]
