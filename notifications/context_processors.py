"""The unread count for the navigation badge: one query, and only when a template shows it."""

from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread_notifications(request):
    user = getattr(request, "user", None)

    def count() -> int:
        if user is None or not user.is_authenticated:
            return 0
        return Notification.objects.for_user(user).unread().count()

    return {"unread_notifications": SimpleLazyObject(count)}
