"""Notifications: sent once per key, e-mailed only to an address, read by their owner alone."""

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notification_send
from tests.helpers import make_user

pytestmark = pytest.mark.django_db


def send(user, key="k1", **extra):
    return notification_send(user=user, kind="test", title=f"标题{key}", body="正文", url="/projects/todo/",
                             key=key, **extra)


def test_send_creates_once_per_key_and_emails_the_first_time(settings):
    settings.PORTFOLIO_SITE_URL = "https://portfolio.example.org"
    user = make_user("alice", email="alice@example.org")
    first = send(user)
    second = send(user)
    assert (first.created, first.emailed) == (True, True)
    assert (second.created, second.emailed) == (False, False)
    assert second.notification.pk == first.notification.pk
    assert Notification.objects.filter(user=user).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert "https://portfolio.example.org/projects/todo/" in mail.outbox[0].body
    # The same key for another user is another notification.
    assert send(make_user("bob")).created


def test_no_email_without_an_address():
    delivery = send(make_user("noaddress", email=""))
    assert delivery.created and not delivery.emailed
    assert mail.outbox == []


def test_a_failing_mail_server_keeps_the_notification(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("notifications.services.send_mail", refuse)
    delivery = send(make_user("alice", email="alice@example.org"))
    assert delivery.created and not delivery.emailed
    assert Notification.objects.count() == 1


def test_list_is_own_newest_first_with_unread_highlighted_and_badge(client):
    alice, bob = make_user("alice"), make_user("bob")
    older, newer = send(alice, "old").notification, send(alice, "new").notification
    send(bob, "bob-only")
    Notification.objects.filter(pk=older.pk).update(read_at=newer.created_at)
    client.force_login(alice)
    page = client.get(reverse("notifications:notification_list")).content.decode()
    assert page.index("标题new") < page.index("标题old")
    assert "标题bob-only" not in page
    assert page.count('class="list-group-item list-group-item-action list-group-item-primary unread"') == 1
    nav = page[page.index('id="nav-notifications"'):]
    assert '<span class="badge rounded-pill text-bg-danger">1<' in nav[:300]


def test_opening_marks_read_and_another_users_notification_is_404(client):
    alice, bob = make_user("alice"), make_user("bob")
    mine, theirs = send(alice).notification, send(bob).notification
    client.force_login(alice)
    response = client.get(reverse("notifications:notification_detail", args=[mine.pk]))
    assert response.status_code == 200 and "正文" in response.content.decode()
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert client.get(reverse("notifications:notification_detail", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read_is_a_post_and_touches_only_own(client):
    alice, bob = make_user("alice"), make_user("bob")
    for key in ("a", "b", "c"):
        send(alice, key)
    send(bob, "b1")
    client.force_login(alice)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 3
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=bob, read_at__isnull=True).count() == 1
    page = client.get(reverse("notifications:notification_list")).content.decode()
    assert "list-group-item-primary unread" not in page and "已将3条通知标为已读。" in page


def test_pages_need_login(client):
    response = client.get(reverse("notifications:notification_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_unread_count_costs_one_query_and_none_when_not_shown(rf, count_queries):
    from notifications.context_processors import unread_notifications

    user = make_user("alice")
    send(user, "a")
    send(user, "b")
    request = rf.get("/")
    request.user = user
    with count_queries() as q:
        context = unread_notifications(request)
    assert q.count == 0
    with count_queries() as q:
        assert int(str(context["unread_notifications"])) == 2
    assert q.count == 1
