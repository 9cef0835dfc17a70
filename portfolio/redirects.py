"""Where a page sends the user after a post: the ``next`` URL it was given when that URL is this site's,
else the page's own default. Every view that follows a ``next`` asks here (Django's login, logout and
language views ask the same function of Django's). Imports no feature app."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str, *, name: str = "next") -> str:
    """The posted (or queried) ``next`` if it points into this site, over https when the request came over
    https; anything else (another host, ``//host``, ``javascript:``, backslash tricks) gives ``default``."""
    candidate = request.POST.get(name) or request.GET.get(name) or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
