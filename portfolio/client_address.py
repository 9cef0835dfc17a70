"""The client's address, the same for the login lockout (django-axes) and the token endpoint's throttle.

Behind PORTFOLIO_PROXY_COUNT reverse proxies, each appending the address it saw to X-Forwarded-For,
the client is the entry that many places from the right: what the outermost trusted proxy saw. The
entries further left were written by the client and prove nothing. With no proxy (0, the default)
no header is trusted. An entry that is not an IP address falls back to the connection's address.
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.PORTFOLIO_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded.strip():
        return remote
    entries = [entry for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return remote
    # Fewer entries than proxies: the left-most one was still written by a trusted proxy.
    return _valid(entries[-min(proxies, len(entries))]) or remote
