"""The month-end job (daily on Celery beat): after the month's due date it tells the coordinators what
still blocks the month, or closes it by itself when that is configured and nothing blocks it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from notifications.models import Notification
from portfolio.policy import Role
from projects.models import MonthlyReport, PeriodLock, Programme, Project
from projects.month_end import month_end_run
from projects.tasks import month_end
from tests.helpers import make_user

AFTER_DUE = dt.date(2025, 7, 6)  # June is due on 2025-07-05


@pytest.fixture(autouse=True)
def cycle_settings(settings):
    settings.PORTFOLIO_REPORT_DUE_DAY = 5
    settings.PORTFOLIO_AUTO_CLOSE = False


@pytest.fixture
def coordinators(db):
    return [make_user("coord-a", Role.COORDINATOR), make_user("coord-b", Role.COORDINATOR)]


@pytest.fixture
def june_with_a_draft(department):
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    project = Project.objects.create(code="A1", name="项目A1", lead_department=department, programme=programme)
    MonthlyReport.objects.create(project=project, year=2025, month=6, completed_month=Decimal(1),
                                 completed_ytd=Decimal(1), status="draft")
    return project


def test_nothing_happens_before_the_due_date(coordinators, june_with_a_draft):
    outcome = month_end_run(today=dt.date(2025, 7, 5))
    assert outcome["action"] == "none" and outcome["notified"] == 0
    assert not Notification.objects.exists()


def test_after_the_due_date_coordinators_are_told_what_blocks_the_month_once_a_day(
        coordinators, june_with_a_draft, editor):
    outcome = month_end_run(today=AFTER_DUE)
    assert outcome == {"period": "2025-06", "action": "reminded", "blockers": 1, "notified": 2}
    notes = Notification.objects.order_by("user__username")
    assert [n.user for n in notes] == coordinators  # not the editor
    assert "还有1个项目未审核或未免报" in notes[0].title and "/projects/months/2025/6/" in notes[0].url
    assert "1 projects are neither approved nor waived" in notes[0].translations["en"]["title"]
    assert month_end_run(today=AFTER_DUE)["notified"] == 0  # the same day again: nothing more
    assert month_end_run(today=AFTER_DUE + dt.timedelta(days=1))["notified"] == 2
    assert not PeriodLock.objects.exists()


def test_a_closed_month_is_left_alone(coordinators, june_with_a_draft):
    PeriodLock.objects.create(year=2025, month=6)
    assert month_end_run(today=AFTER_DUE)["action"] == "none"
    assert not Notification.objects.exists()


@pytest.mark.parametrize("auto_close", [False, True])
def test_a_month_nothing_blocks_is_closed_only_when_configured(coordinators, settings, auto_close):
    settings.PORTFOLIO_AUTO_CLOSE = auto_close
    get_user_model().objects.create_superuser("root", password="a-long-root-password-2025")
    outcome = month_end_run(today=AFTER_DUE)
    assert outcome["blockers"] == 0
    assert PeriodLock.objects.filter(year=2025, month=6).exists() is auto_close
    assert outcome["action"] == ("closed" if auto_close else "reminded")
    title = Notification.objects.filter(user=coordinators[0]).get().title
    assert title == ("2025年6月已自动关账" if auto_close else "2025年6月可以关账")


def test_the_celery_task_runs_the_job_for_today(coordinators, june_with_a_draft, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: AFTER_DUE)
    assert month_end.delay().get()["action"] == "reminded"
