"""Reminders of the monthly cycle: what is still to do, who is late, who is reminded and how often."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.models import Notification
from portfolio.periods import Period
from portfolio.policy import Role
from projects import todo_views
from projects.models import Department, MonthlyReport, PeriodLock, Programme, Project, ReportWaiver
from projects.permissions import Action, restrict
from projects.reminders import (
    DUE_SOON,
    OVERDUE,
    late_departments,
    open_periods,
    outstanding_count,
    outstanding_reports,
    send_reminders,
)
from tests.helpers import make_user

pytestmark = pytest.mark.django_db
JUNE = Period(2025, 6)  # due 2025-07-05; the due-soon window opens 2025-07-02


@pytest.fixture(autouse=True)
def cycle_settings(settings):
    settings.PORTFOLIO_REPORT_DUE_DAY = 5
    settings.PORTFOLIO_REMINDER_DAYS_BEFORE = 3


def report(project, status, comment="", month=6):
    return MonthlyReport.objects.create(project=project, year=2025, month=month, completed_month=Decimal(1),
                                        completed_ytd=Decimal(1), status=status, review_comment=comment)


@pytest.fixture
def world(department, other_department, coordinator):
    """June 2025 of two departments; January to May are closed so only June is open."""
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    old_programme = Programme.objects.create(year=2024, level="district", name="2024年区重点项目")

    def project(code, dept=department, **extra):
        extra.setdefault("programme", programme)
        return Project.objects.create(code=code, name=f"项目{code}", lead_department=dept, **extra)

    p = {code: project(code) for code in ("A", "B", "C", "D", "E", "F")}
    p["G"] = project("G", status="cancelled")
    p["H"] = project("H", programme=old_programme)
    p["X"] = project("X", dept=other_department)
    report(p["B"], "draft")
    report(p["C"], "returned", "请补充形象进度")
    report(p["D"], "submitted")
    report(p["E"], "approved")
    ReportWaiver.objects.create(project=p["F"], year=2025, month=6, reason="项目已停工")
    for month in range(1, 6):
        PeriodLock.objects.create(year=2025, month=month)
    users = {
        "editor": make_user("editor", Role.EDITOR, department, email="editor@example.org"),
        "other_editor": make_user("other_editor", Role.EDITOR, other_department),
        "coordinator": coordinator,
        "viewer": make_user("viewer", Role.VIEWER),
    }
    return p, users


def own(department):
    return Project.objects.filter(lead_department=department)


# Selectors ------------------------------------------------------------------------------------


def test_outstanding_reports_are_missing_draft_and_returned(world, department):
    rows = outstanding_reports(own(department), JUNE)
    assert [(r.project.code, r.state, r.return_comment) for r in rows] == [
        ("A", "missing", ""), ("B", "draft", ""), ("C", "returned", "请补充形象进度"),
    ]
    assert {r.due_date for r in rows} == {dt.date(2025, 7, 5)}
    assert {r.department for r in rows} == {department}
    assert [r.state_label for r in rows] == ["未填报", "草稿未提交", "已退回待修改"]


def test_outstanding_reports_cover_projects_that_never_reported(world, department):
    # May is closed for reports in the fixture; reopened, every expected project owes May's report.
    PeriodLock.objects.filter(month=5).delete()
    rows = outstanding_reports(own(department), Period(2025, 5))
    assert [(r.project.code, r.state) for r in rows] == [(c, "missing") for c in "ABCDEF"]


def test_nothing_is_outstanding_in_a_closed_month(world, department):
    PeriodLock.objects.create(year=2025, month=6)
    assert outstanding_reports(own(department), JUNE) == []
    assert late_departments(JUNE, dt.date(2025, 7, 10)) == []


def test_late_departments_only_after_the_deadline(world, department, other_department):
    assert late_departments(JUNE, dt.date(2025, 7, 5)) == []
    late = late_departments(JUNE, dt.date(2025, 7, 8))
    assert [(r.department, r.missing, r.draft, r.returned, r.outstanding, r.days_overdue) for r in late] == [
        (department, 1, 1, 1, 3, 3), (other_department, 1, 0, 0, 1, 3),
    ]


def test_open_periods_are_the_month_just_ended_and_earlier_open_ones():
    PeriodLock.objects.create(year=2025, month=2)
    assert open_periods(dt.date(2025, 4, 1)) == [Period(2025, 1), Period(2025, 3)]
    assert open_periods(dt.date(2026, 1, 3))[-1] == Period(2025, 12)
    assert len(open_periods(dt.date(2026, 1, 3))) == 11  # February is closed
    # A year the platform was used for (it has monthly reports) keeps its open months in the next year.
    assert open_periods(dt.date(2026, 11, 29)) == [Period(2026, m) for m in range(1, 11)]
    programme = Programme.objects.create(year=2025, level="city", name="2025年市重点项目")
    project = Project.objects.create(programme=programme, code="Y1", name="上年项目")
    MonthlyReport.objects.create(project=project, year=2025, month=1, completed_month=1, completed_ytd=1)
    periods = open_periods(dt.date(2026, 11, 29))
    assert periods[:11] == [Period(2025, m) for m in (1, *range(3, 13))] and periods[-1] == Period(2026, 10)


@pytest.mark.parametrize("n", [3, 30])
def test_outstanding_reports_query_count_does_not_grow(world, department, count_queries, n):
    programme = Programme.objects.get(year=2025)
    for i in range(n):
        p = Project.objects.create(programme=programme, code=f"N{i:03d}", name=f"新{i}", lead_department=department)
        if i % 3 == 1:
            report(p, "returned", "改")
    with count_queries() as q:
        rows = outstanding_reports(own(department), JUNE)
        assert len({r.department.name for r in rows}) == 1
    assert len(rows) == 3 + n  # every new project is missing or returned
    assert q.count == 1, q.describe()


# Every (project, month) shape the to-do list decides on: no report or a report of each state, waived or
# not, a cancelled project, a project of another year's programme or counted through its sample
# programme; months of two years, some closed; months asked twice; a DISTINCT queryset.
MONTHS = [Period(2024, 11), Period(2024, 12), Period(2025, 1), Period(2025, 2), Period(2025, 3)]
cell = st.tuples(st.sampled_from([None, "draft", "returned", "submitted", "approved"]), st.booleans())
shape = st.fixed_dictionaries({
    "year": st.sampled_from([2024, 2025, 2023]),
    "through_sample": st.booleans(),
    "cancelled": st.booleans(),
    "months": st.lists(cell, min_size=len(MONTHS), max_size=len(MONTHS)),
})


class _Undo(Exception):
    pass


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(shapes=st.lists(shape, min_size=1, max_size=5), closed=st.sets(st.sampled_from(MONTHS), max_size=3),
       asked=st.lists(st.sampled_from(MONTHS), min_size=0, max_size=len(MONTHS) + 2))
def test_outstanding_count_is_the_number_of_rows_the_todo_list_shows(db, django_assert_num_queries, shapes,
                                                                     closed, asked):
    """The dashboard's count equals the to-do list's rows added over the months asked, in one query."""
    try:
        with transaction.atomic():
            programmes = {year: Programme.objects.create(year=year, level="district", name=f"{year}年区重点项目")
                          for year in (2023, 2024, 2025)}
            department = Department.objects.create(code="D", name="单位")
            for index, drawn in enumerate(shapes):
                counted_in = {"sample_programme" if drawn["through_sample"] else "programme": programmes[drawn["year"]]}
                p = Project.objects.create(code=f"S{index}", name=f"项目{index}", lead_department=department,
                                           status="cancelled" if drawn["cancelled"] else "implementation",
                                           **counted_in)
                p.co_departments.add(department)  # led and co-led: a join through both repeats the project
                for period, (state, waived) in zip(MONTHS, drawn["months"], strict=True):
                    if state:
                        MonthlyReport.objects.create(project=p, year=period.year, month=period.month,
                                                     completed_month=Decimal(1), completed_ytd=Decimal(1),
                                                     status=state)
                    if waived:
                        ReportWaiver.objects.create(project=p, year=period.year, month=period.month, reason="停工")
            for period in closed:
                PeriodLock.objects.create(year=period.year, month=period.month)
            months = list(dict.fromkeys(asked))
            expected = sum(len(outstanding_reports(Project.objects.all(), period)) for period in months)
            repeated = Project.objects.filter(Q(lead_department=department) | Q(co_departments=department)).distinct()
            for projects in (Project.objects.all(), repeated):
                with django_assert_num_queries(1 if months else 0):
                    assert outstanding_count(projects, asked) == expected
            raise _Undo
    except _Undo:
        pass


def test_an_editors_count_over_co_responsible_projects_counts_each_once(client, world, department, other_department,
                                                                       settings, on):
    """With co-responsible projects editable, the editor's projects are a DISTINCT queryset over two joins."""
    settings.PORTFOLIO_EDITOR_EDITS_CO_RESPONSIBLE = True
    p, users = world
    p["X"].co_departments.add(department)  # the other department's project, co-led: June and July missing
    p["A"].co_departments.add(department, other_department)  # led and co-led: must not count twice
    mine = restrict(Project.objects.all(), users["editor"], Action.CHANGE)
    assert mine.query.distinct
    periods = [JUNE, Period(2025, 7)]
    assert outstanding_count(mine, periods) == sum(len(outstanding_reports(mine, period)) for period in periods)
    assert outstanding_count(mine, periods) == 4 + 7  # June: A, B, C and X; July: all but G (cancelled) and H
    on(dt.date(2025, 8, 8))
    client.force_login(users["editor"])
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200 and "本单位共有11份月报待填报、修改或提交" in page.content.decode()


# The reminder run -----------------------------------------------------------------------------


def notes(user):
    return list(Notification.objects.filter(user=user).order_by("pk"))


def test_nothing_before_the_window(world):
    users = world[1]
    run = send_reminders(today=dt.date(2025, 7, 1))
    assert (run.notifications, run.emails) == (0, 0)
    assert Notification.objects.count() == 0 and mail.outbox == []
    assert notes(users["editor"]) == []


def test_due_soon_reminder_goes_to_each_department_once_a_day(world):
    _p, users = world
    run = send_reminders(today=dt.date(2025, 7, 2))
    assert (run.notifications, run.emails, run.already_sent) == (2, 1, 0)
    [note] = notes(users["editor"])
    assert note.kind == DUE_SOON and "即将到期" in note.title and "3个项目" in note.title
    assert note.url == reverse("projects:todo")
    for code in "ABC":
        assert f"项目{code}" in note.body
    for code in "DEFGHX":
        assert f"项目{code}" not in note.body
    assert "2025-07-05" in note.body
    [other] = notes(users["other_editor"])
    assert "项目X" in other.body and "项目A" not in other.body
    # E-mail only to the editor with an address.
    assert [m.to for m in mail.outbox] == [["editor@example.org"]]
    assert mail.outbox[0].subject == note.title and "/projects/todo/" in mail.outbox[0].body
    # No one but editors is reminded.
    assert notes(users["coordinator"]) == [] and notes(users["viewer"]) == []

    again = send_reminders(today=dt.date(2025, 7, 2))
    assert (again.notifications, again.emails, again.already_sent) == (0, 0, 2)
    assert Notification.objects.count() == 2 and len(mail.outbox) == 1

    # The due date itself is the window's last day: a new reminder, still "due soon".
    assert send_reminders(today=dt.date(2025, 7, 5)).notifications == 2
    assert [n.kind for n in notes(users["editor"])] == [DUE_SOON, DUE_SOON]


def test_overdue_reminder_every_day_after_the_deadline(world):
    users = world[1]
    first = send_reminders(today=dt.date(2025, 7, 6))
    assert first.notifications == 2
    assert send_reminders(today=dt.date(2025, 7, 6)).notifications == 0
    assert send_reminders(today=dt.date(2025, 7, 7)).notifications == 2
    titles = [n.title for n in notes(users["editor"])]
    assert len(titles) == 2 and all("已逾期" in t for t in titles)
    assert "已逾期1天" in titles[0] and "已逾期2天" in titles[1]
    assert {n.kind for n in notes(users["editor"])} == {OVERDUE}


def test_submitted_or_waived_reports_stop_the_reminders(world):
    p, users = world
    MonthlyReport.objects.filter(project__in=[p["B"], p["C"]]).update(status="submitted")
    ReportWaiver.objects.create(project=p["A"], year=2025, month=6, reason="已合并至其他项目")
    run = send_reminders(today=dt.date(2025, 7, 6))
    assert notes(users["editor"]) == []
    assert [s.username for s in run.sent] == ["other_editor"]


def test_a_closed_month_sends_nothing(world):
    PeriodLock.objects.create(year=2025, month=6)
    assert send_reminders(today=dt.date(2025, 7, 6)).notifications == 0
    assert Notification.objects.count() == 0


def test_editors_of_other_departments_and_inactive_editors_get_nothing(world):
    quiet = Department.objects.create(code="quiet", name="无项目单位", kind="bureau")
    bystander = make_user("bystander", Role.EDITOR, quiet, email="b@example.org")
    retired = make_user("retired", Role.EDITOR, Department.objects.get(code="test-dept"), email="r@example.org",
                        is_active=False)
    send_reminders(today=dt.date(2025, 7, 6))
    assert notes(bystander) == [] and notes(retired) == []
    assert sorted(to for m in mail.outbox for to in m.to) == ["editor@example.org"]


def test_earlier_open_months_are_reminded_as_overdue(world):
    users = world[1]
    PeriodLock.objects.filter(month=5).delete()
    send_reminders(today=dt.date(2025, 7, 2))
    kinds = sorted((n.kind, n.key.split(":")[1]) for n in notes(users["editor"]))
    assert kinds == [(DUE_SOON, "2025-06"), (OVERDUE, "2025-05")]


def test_the_window_follows_the_setting(world, settings):
    settings.PORTFOLIO_REMINDER_DAYS_BEFORE = 1
    assert send_reminders(today=dt.date(2025, 7, 3)).notifications == 0
    assert send_reminders(today=dt.date(2025, 7, 4)).notifications == 2


def test_command_with_a_date_prints_what_it_sent(world):
    out = io.StringIO()
    call_command("send_reminders", "--date", "2025-07-06", stdout=out)
    text = out.getvalue()
    assert "editor：2025-06 已逾期，3个项目（已发邮件）" in text
    assert "other_editor：2025-06 已逾期，1个项目" in text
    assert "新发通知2条，邮件1封" in text
    out = io.StringIO()
    call_command("send_reminders", "--date", "2025-07-06", stdout=out)
    assert "新发通知0条，邮件0封；今天已发过、未重复发送2条" in out.getvalue()


@pytest.mark.parametrize("value", ["2025-13-01", "07/06/2025", "明天"])
def test_command_refuses_a_bad_date(world, value):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", value, stdout=io.StringIO())
    assert Notification.objects.count() == 0


# The to-do page -------------------------------------------------------------------------------


@pytest.fixture
def on(monkeypatch):
    def set_today(day):
        monkeypatch.setattr(todo_views, "_today", lambda: day)
    return set_today


def test_todo_page_for_an_editor(client, world, on):
    p, users = world
    on(dt.date(2025, 7, 8))
    client.force_login(users["editor"])
    response = client.get(reverse("projects:todo"))
    assert response.status_code == 200
    page = response.content.decode()
    for code in "ABC":
        assert reverse("projects:report_entry", args=[p[code].pk, 2025, 6]) in page
    assert "项目X" not in page and "项目D" not in page and "项目F" not in page
    assert "请补充形象进度" in page
    assert page.count('class="table-danger overdue"') == 3 and "已逾期3天" in page
    # Before the deadline nothing is marked overdue.
    on(dt.date(2025, 7, 3))
    page = client.get(reverse("projects:todo")).content.decode()
    assert "overdue" not in page and reverse("projects:report_entry", args=[p["A"].pk, 2025, 6]) in page


def test_the_editors_dashboard_counts_missing_reports_too(client, world, on):
    """The dashboard's to-do card counts what the to-do page lists: A missing, B draft, C returned."""
    p, users = world
    on(dt.date(2025, 7, 8))
    client.force_login(users["editor"])
    page = client.get(reverse("dashboard")).content.decode()
    assert "本单位共有3份月报待填报、修改或提交" in page and reverse("projects:todo") in page
    client.force_login(users["viewer"])
    assert 'id="outstanding"' not in client.get(reverse("dashboard")).content.decode()


def test_todo_page_for_a_coordinator(client, world, on, department):
    users = world[1]
    client.force_login(users["coordinator"])
    on(dt.date(2025, 7, 8))
    page = client.get(reverse("projects:todo")).content.decode()
    assert page.count('class="late-department"') == 2
    assert department.name in page and "另一单位" in page
    assert 'id="all-clear"' not in page
    on(dt.date(2025, 7, 4))
    page = client.get(reverse("projects:todo")).content.decode()
    assert 'id="all-clear"' in page and "late-department" not in page


def test_todo_page_is_paged_fifty_a_page(client, world, on, department):
    """A department with many projects sees its to-do list 50 rows a page, the total in the heading."""
    p, users = world
    on(dt.date(2025, 7, 8))
    for i in range(60):
        Project.objects.create(programme=p["A"].programme, code=f"P{i:03d}", name=f"分页{i}",
                               lead_department=department)
    client.force_login(users["editor"])
    first = client.get(reverse("projects:todo")).content.decode()
    assert first.count('class="table-danger overdue"') == 50
    assert '<span class="badge text-bg-secondary">63</span>' in first
    assert 'href="?page=2"' in first and "第 1 / 2 页" in first
    second = client.get(reverse("projects:todo"), {"page": 2}).content.decode()
    assert second.count('class="table-danger overdue"') == 13 and "第 2 / 2 页" in second
    # A page past the end shows the last page.
    assert client.get(reverse("projects:todo"), {"page": 9}).content.decode().count("overdue\"") == 13


def test_todo_page_is_refused_to_a_viewer(client, world):
    client.force_login(world[1]["viewer"])
    assert client.get(reverse("projects:todo")).status_code == 403


def test_navigation_links_to_the_todo_page(client, world):
    users = world[1]
    todo = f'href="{reverse("projects:todo")}"'
    client.force_login(users["editor"])
    page = client.get(reverse("dashboard")).content.decode()
    assert f'{todo}>我的待办<' in page and reverse("projects:review_queue") + '">' not in page.split("</nav>")[0]
    client.force_login(users["coordinator"])
    nav = client.get(reverse("dashboard")).content.decode().split("</nav>")[0]
    assert f'{todo}>逾期单位<' in nav and "审核队列" in nav


@pytest.mark.parametrize(("role", "expected"), [("editor", 10), ("coordinator", 13)])
def test_todo_page_query_count_is_pinned_at_3_and_30_projects(client, world, department, other_department,
                                                              count_queries, on, role, expected):
    users = world[1]
    on(dt.date(2025, 7, 8))
    programme = Programme.objects.get(year=2025)
    client.force_login(users[role])
    for n in (3, 30):
        Project.objects.filter(code__startswith="Q").delete()
        for i in range(n):
            dept = department if i % 2 else other_department
            p = Project.objects.create(programme=programme, code=f"Q{i:03d}", name=f"批{i}", lead_department=dept)
            if i % 3 == 0:
                report(p, "draft")
        client.get(reverse("projects:todo"))
        with count_queries() as q:
            response = client.get(reverse("projects:todo"))
        assert response.status_code == 200
        q.assert_count(expected, f"{role}'s to-do page at {n} projects")


def test_a_reminder_reads_in_the_readers_language(client, world, settings):
    """Reminder texts are written in every language; the notification pages show the reader's."""
    _p, users = world
    send_reminders(today=dt.date(2025, 7, 8))
    client.force_login(users["editor"])
    chinese = client.get(reverse("notifications:notification_list")).content.decode()
    assert "已逾期：2025年6月月报" in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("notifications:notification_list")).content.decode()
    assert "Overdue: " in english and "已逾期" not in english
    notification = users["editor"].notifications.get()
    detail = client.get(reverse("notifications:notification_detail", args=[notification.pk])).content.decode()
    assert "Overdue: " in detail and "项目A" in detail  # the project's name is data and stays as entered
