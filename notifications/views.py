"""The user's own notifications: the list, one notification (opening it marks it read), mark all read."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from . import services
from .models import Notification

PAGE_SIZE = 20


class NotificationListView(LoginRequiredMixin, View):
    def get(self, request):
        notifications = Notification.objects.for_user(request.user).order_by("-created_at", "-pk")
        page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "notifications/notification_list.html", {"page": page})


class NotificationDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        try:
            notification = Notification.objects.for_user(request.user).get(pk=pk)
        except Notification.DoesNotExist as exc:
            # Another user's notification answers as if it did not exist.
            raise Http404(_("找不到该通知。")) from exc
        services.notification_mark_read(notification=notification)
        return render(request, "notifications/notification_detail.html", {"notification": notification})


class MarkAllReadView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.notifications_mark_all_read(user=request.user)
        messages.success(request, _("已将%(n)s条通知标为已读。") % {"n": count})
        return HttpResponseRedirect(reverse("notifications:notification_list"))
