"""Chinese by default: the language is the user's explicit choice, not the browser's header."""

from django.conf import settings


class ChineseByDefaultMiddleware:
    """Placed before LocaleMiddleware. Without a language cookie the page is zh-hans, whatever the
    browser's Accept-Language says (many office machines report English); the switch sets the cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
