"""The monthly cycle end to end: fill, submit, return, resubmit, approve, reopen, close, correct.

The workflow tests are generated over record shapes (with/without milestones, with/without a lead
department, sample or report data) and over every way in (entry page, bulk sheet, service, API);
the focused tests after them each pin one rule of the monthly cycle (README, "The monthly cycle").
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from itertools import product

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from portfolio.periods import Period
from portfolio.policy import Role
from projects import closing, services
from projects.models import (
    Milestone,
    MonthlyReport,
    MonthSnapshot,
    PeriodLock,
    Programme,
    Project,
    ReportWaiver,
    SnapshotProject,
)
from projects.progress import completion_rate
from projects.reports.builders import build_progress_report
from projects.selectors import (
    WARNING_RANK,
    Basis,
    FigureSource,
    figure_source,
    project_progress,
    reports_waiting_for,
    with_list_figures,
)
from tests.forms import MONTH, YEAR, bulk_read, bulk_url, entry_url, form_fields
from tests.helpers import act, database_state, etag_of, make_user, token_client

pytestmark = pytest.mark.django_db

PLAN = Decimal("1200")  # 50% of it is 600: more in one month asks for a reason


# Page helpers: post what the page rendered ---------------------------------------------------------

def entry_post(client, project, values: dict, *, submit=False, page=None, year=YEAR, month=MONTH):
    """Read the entry page (or use ``page``, read earlier), type ``values`` and press save or submit."""
    page = page if page is not None else client.get(entry_url(project, year, month))
    assert page.status_code == 200
    data = form_fields(page.content.decode(), "report-form")
    data.update(values)
    data["submit" if submit else "save"] = "1"
    return client.post(entry_url(project, year, month), data)


def bulk_post(client, url, values: dict, *, submit=False, read=None):
    """``values``: project pk -> {field: typed value}; the other rows are posted as the page shows them."""
    data, rows = read or bulk_read(client, url)
    data = dict(data)
    for pk, typed in values.items():
        for name, value in typed.items():
            data[f"{rows[pk]}-{name}"] = value
    data["submit" if submit else "save"] = "1"
    return client.post(url, data)


def detail(report, action=None):
    return reverse(f"api:monthly-report-{action or 'detail'}", args=[report.pk])


def fresh(report):
    return MonthlyReport.objects.get(pk=report.pk)


# The world --------------------------------------------------------------------------------------


@dataclass
class Cycle:
    users: dict
    programme: Programme
    department: object


@pytest.fixture
def cycle(department, other_department):
    users = {
        "viewer": make_user("viewer", Role.VIEWER),
        "editor": make_user("editor", Role.EDITOR, department),
        "other_editor": make_user("other_editor", Role.EDITOR, other_department),
        "coordinator": make_user("coordinator", Role.COORDINATOR),
        "coordinator2": make_user("coordinator2", Role.COORDINATOR),
        "administrator": make_user("administrator", Role.ADMINISTRATOR),
    }
    programme = Programme.objects.create(year=YEAR, level="district", name="2025年区重点项目")
    return Cycle(users=users, programme=programme, department=department)


def add_project(w: Cycle, code="P-1", *, department=True, milestones=False, sample=False, plan=PLAN,
                february=Decimal(50)):
    project = Project.objects.create(
        programme=w.programme, code=code, name=f"项目{code}", lead_department=w.department if department else None,
        annual_plan=plan, total_investment=Decimal("50000"), is_synthetic=sample,
        source_quote="" if sample else f"{code}项目,年度计划投资{plan}万元。",
    )
    if milestones:
        Milestone.objects.create(project=project, kind="start", planned_date=dt.date(YEAR, 2, 1))
        Milestone.objects.create(project=project, kind="topping_out", planned_date=dt.date(YEAR, 9, 30))
    if february is not None:
        MonthlyReport.objects.create(project=project, year=YEAR, month=2, completed_month=february,
                                     completed_ytd=february, status="approved")
    return project


# Ways in ----------------------------------------------------------------------------------------


class EntryPage:
    name = "entry"

    def fill(self, client, user, project, month_value, *, submit=False, milestone_date=None):
        values = {"completed_month": str(month_value), "progress_text": f"完成{month_value}"}
        if milestone_date:
            values["ms-0-actual_date"] = milestone_date.isoformat()
        response = entry_post(client, project, values, submit=submit)
        assert response.status_code == 302, response.content.decode()[:3000]

    def review(self, client, user, report, action, comment=""):
        response = client.post(reverse("projects:review_action", args=[report.pk, action]),
                               {"version": fresh(report).version, "comment": comment,
                                "next": entry_url(report.project)})
        assert response.status_code == 302


class BulkSheet(EntryPage):
    name = "bulk"

    def fill(self, client, user, project, month_value, *, submit=False, milestone_date=None):
        url = bulk_url(department=project.lead_department)
        response = bulk_post(client, url, {project.pk: {"completed_month": str(month_value),
                                                        "progress_text": f"完成{month_value}"}}, submit=submit)
        assert response.status_code == 302, response.content.decode()[:3000]


class Service:
    name = "service"

    def fill(self, client, user, project, month_value, *, submit=False, milestone_date=None):
        report = MonthlyReport.objects.filter(project=project, year=YEAR, month=MONTH).first()
        milestones = []
        if milestone_date:
            ms = project.milestones.order_by("planned_date", "pk").first()
            milestones = [services.MilestoneInput(milestone=ms, data={"actual_date": milestone_date, "note": ""},
                                                  expected_version=ms.version)]
        services.monthly_report_entry_save(
            project=project, year=YEAR, month=MONTH, acting_user=user,
            data={"completed_month": Decimal(month_value), "progress_text": f"完成{month_value}", "problems": "",
                  "coordination_requests": "", "plausibility_note": ""},
            expected_version=report.version if report else 0, milestones=milestones, submit=submit,
        )

    def review(self, client, user, report, action, comment=""):
        service = {"approve": services.monthly_report_approve, "return": services.monthly_report_return,
                   "reopen": services.monthly_report_reopen, "withdraw": services.monthly_report_withdraw}[action]
        kwargs = {"comment": comment} if action != "withdraw" else {}
        report = fresh(report)
        service(report=report, acting_user=user, expected_version=report.version, **kwargs)


class Api:
    name = "api"

    def fill(self, client, user, project, month_value, *, submit=False, milestone_date=None):
        api = token_client(user)
        report = MonthlyReport.objects.filter(project=project, year=YEAR, month=MONTH).first()
        body = {"completed_month": str(month_value), "progress_text": f"完成{month_value}"}
        if report is None:
            response = api.post(reverse("api:monthly-report-list"),
                                {"project": project.pk, "year": YEAR, "month": MONTH, **body}, format="json")
            assert response.status_code == 201, response.content
            report = MonthlyReport.objects.get(pk=response.json()["id"])
        else:
            response = api.patch(detail(report), body, format="json", HTTP_IF_MATCH=etag_of(api, detail(report)))
            assert response.status_code == 200, response.content
        if submit:
            response = api.post(detail(report, "submit"), {}, format="json",
                                HTTP_IF_MATCH=etag_of(api, detail(report)))
            assert response.status_code == 200, response.content

    def review(self, client, user, report, action, comment=""):
        api = token_client(user)
        response = api.post(detail(report, action), {"comment": comment} if comment else {}, format="json",
                            HTTP_IF_MATCH=etag_of(api, detail(report)))
        assert response.status_code == 200, response.content


PATHS = {p.name: p for p in (EntryPage(), BulkSheet(), Service(), Api())}


@dataclass(frozen=True)
class Shape:
    milestones: bool
    department: bool
    sample: bool

    def __str__(self):
        return "-".join((
            "ms" if self.milestones else "noms", "dept" if self.department else "nodept",
            "sample" if self.sample else "report",
        ))


SHAPES = [Shape(*flags) for flags in product((True, False), repeat=3)]
# The bulk sheet is a department's sheet: a project without a lead department is filled on its own
# page (test_bulk_sheet_offers_no_project_without_department shows it is never on a sheet).
CASES = [(shape, path) for shape, path in product(SHAPES, PATHS) if shape.department or path != "bulk"]


@pytest.mark.parametrize(("shape", "path"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_cycle_over_shapes_and_paths(client, cycle, shape, path):
    w, way = cycle, PATHS[path]
    project = add_project(w, milestones=shape.milestones, department=shape.department, sample=shape.sample)
    untouched_project = Project.objects.filter(pk=project.pk).values().get()
    filler = w.users["editor"] if shape.department else w.users["coordinator"]
    reviewer = (w.users["coordinator"] if shape.department
                else w.users["coordinator2"] if shape.sample else w.users["administrator"])
    milestone_date = dt.date(YEAR, 3, 12) if shape.milestones and path in ("entry", "service") else None
    versions = []

    def report():
        r = MonthlyReport.objects.get(project=project, year=YEAR, month=MONTH)
        versions.append(r.version)
        return r

    # Save a draft.
    client.force_login(filler)
    way.fill(client, filler, project, "100", milestone_date=milestone_date)
    r = report()
    assert (r.status, r.completed_month, r.completed_ytd) == ("draft", Decimal(100), Decimal(150))
    assert r.created_by == filler and filler in r.contributors.all()
    if shape.milestones:
        first = project.milestones.order_by("planned_date", "pk").first()
        assert first.actual_date == milestone_date  # set on the page and the service, untouched elsewhere
        assert project.milestones.exclude(pk=first.pk).get().actual_date is None
    # Submit.
    way.fill(client, filler, project, "100", submit=True)
    r = report()
    assert (r.status, r.submitted_by, r.completed_month) == ("submitted", filler, Decimal(100))
    # Four eyes: a coordinator who filled it may not review it, whatever the way in.
    if filler.groups.filter(name=str(Role.COORDINATOR)).exists():
        assert not reports_waiting_for(filler).filter(pk=r.pk).exists()
        with pytest.raises(PermissionDenied):
            services.monthly_report_approve(report=fresh(r), acting_user=filler, expected_version=r.version)
        assert act(token_client(filler), r, "approve").status_code == 403
        assert fresh(r).status == "submitted" and fresh(r).version == r.version
    # Return with a comment.
    client.force_login(reviewer)
    way.review(client, reviewer, r, "return", "请补充形象进度照片")
    r = report()
    assert (r.status, r.review_comment, r.reviewed_by) == ("returned", "请补充形象进度照片", reviewer)
    # Correct and resubmit: the old comment answered an earlier version.
    client.force_login(filler)
    way.fill(client, filler, project, "120", submit=True)
    r = report()
    assert (r.status, r.completed_month, r.completed_ytd, r.review_comment) == (
        "submitted", Decimal(120), Decimal(170), "")
    # Approve, then reopen.
    client.force_login(reviewer)
    way.review(client, reviewer, r, "approve")
    r = report()
    assert (r.status, r.reviewed_by) == ("approved", reviewer)
    way.review(client, reviewer, r, "reopen")
    r = report()
    assert r.status == "returned" and r.completed_month == Decimal(120)
    # Every step bumped the version once or more, never skipped one back; history says who did what.
    assert versions == sorted(versions) and len(set(versions)) == len(versions), versions
    history = list(MonthlyReport.history.filter(id=r.pk).order_by("history_id"))
    assert history[0].history_type == "+" and history[0].history_user == filler
    assert [h.status for h in history if h.history_user == reviewer][-1] == "returned"
    assert {h.completed_month for h in history} == {Decimal(100), Decimal(120)}
    # The project's own fields are not touched by its monthly cycle.
    now = Project.objects.filter(pk=project.pk).values().get()
    assert {k: v for k, v in now.items() if k not in ("updated_at",)} == {
        k: v for k, v in untouched_project.items() if k not in ("updated_at",)}


def test_bulk_sheet_offers_no_project_without_department(client, cycle):
    orphan = add_project(cycle, "P-ORPHAN", department=False)
    add_project(cycle, "P-DEPT")
    for user in ("editor", "coordinator"):
        client.force_login(cycle.users[user])
        _data, rows = bulk_read(client, bulk_url())
        assert orphan.pk not in rows and len(rows) == 1


# Versions ---------------------------------------------------------------------------------------


def test_missing_version_is_refused_everywhere_and_changes_nothing(client, cycle):
    project = add_project(cycle)
    report = MonthlyReport.objects.create(project=project, year=YEAR, month=MONTH, completed_month=Decimal(10),
                                          completed_ytd=Decimal(60), created_by=cycle.users["editor"])
    client.force_login(cycle.users["editor"])
    before = database_state()
    response = entry_post(client, project, {"completed_month": "11", "version": ""})
    assert response.status_code == 400 and "版本号" in response.content.decode()
    assert database_state() == before
    data, rows = bulk_read(client, bulk_url())
    response = bulk_post(client, bulk_url(), {project.pk: {"completed_month": "12", "version": ""}},
                         read=(data, rows))
    assert response.status_code == 400
    assert "版本号" in " ".join(response.context["formset"].forms[0].non_field_errors())
    assert database_state() == before
    response = token_client(cycle.users["editor"]).patch(detail(report), {"completed_month": "13"}, format="json")
    assert response.status_code == 428
    assert database_state() == before
    assert fresh(report).completed_month == Decimal(10)


def test_stale_version_from_the_entry_page_keeps_what_was_typed(client, cycle):
    project = add_project(cycle)
    services.monthly_report_entry_save(project=project, year=YEAR, month=MONTH, acting_user=cycle.users["editor"],
                                       data={"completed_month": Decimal(10)}, expected_version=0)
    client.force_login(cycle.users["editor"])
    page = client.get(entry_url(project))
    assert form_fields(page.content.decode(), "report-form")["version"] == "1"
    # A coordinator corrects the report while the editor's page is open.
    report = MonthlyReport.objects.get(project=project, month=MONTH)
    services.monthly_report_update(report=report, data={"completed_month": Decimal(15)},
                                   acting_user=cycle.users["coordinator"], expected_version=1)
    response = entry_post(client, project, {"completed_month": "333", "progress_text": "基础施工完成八成"}, page=page)
    text = response.content.decode()
    assert response.status_code == 400
    assert "已被他人修改" in text and 'value="333"' in text and "基础施工完成八成" in text
    assert fresh(report).completed_month == Decimal(15)


def test_two_first_saves_of_an_empty_month_one_wins(client, cycle):
    """The 100→200 case: both pages were read before any report existed (version 0)."""
    project = add_project(cycle)
    first, second = client, type(client)()
    first.force_login(cycle.users["editor"])
    second.force_login(cycle.users["coordinator"])
    page_first, page_second = first.get(entry_url(project)), second.get(entry_url(project))
    assert form_fields(page_second.content.decode(), "report-form")["version"] == "0"
    assert entry_post(first, project, {"completed_month": "100"}, page=page_first).status_code == 302
    response = entry_post(second, project, {"completed_month": "200", "problems": "拆迁未完成"}, page=page_second)
    text = response.content.decode()
    assert response.status_code == 400
    assert "已由他人先行填报" in text and 'value="200"' in text and "拆迁未完成" in text
    report = MonthlyReport.objects.get(project=project, year=YEAR, month=MONTH)
    assert report.completed_month == Decimal(100)
    assert [h.completed_month for h in MonthlyReport.history.filter(id=report.pk)] == [Decimal(100)]


def test_bulk_sheet_with_one_stale_row_is_refused_as_a_whole(client, cycle):
    a, b = add_project(cycle, "P-A"), add_project(cycle, "P-B")
    for p in (a, b):
        services.monthly_report_entry_save(project=p, year=YEAR, month=MONTH, acting_user=cycle.users["editor"],
                                           data={"completed_month": Decimal(10)}, expected_version=0)
    client.force_login(cycle.users["editor"])
    read = bulk_read(client, bulk_url())
    stale = MonthlyReport.objects.get(project=b, month=MONTH)
    services.monthly_report_update(report=stale, data={"completed_month": Decimal(20)},
                                   acting_user=cycle.users["coordinator"], expected_version=stale.version)
    before = database_state()
    response = bulk_post(client, bulk_url(), {a.pk: {"completed_month": "30"}, b.pk: {"completed_month": "40"}},
                         read=read)
    assert response.status_code == 400
    assert database_state() == before
    forms = {f.cleaned_data["project"]: f for f in response.context["formset"].forms}
    assert forms[b.pk].non_field_errors() and not forms[a.pk].errors
    row_b = re.search(rf'<tr class="([^"]*)" data-project="{b.code}"', response.content.decode())
    row_a = re.search(rf'<tr class="([^"]*)" data-project="{a.code}"', response.content.decode())
    assert "table-danger" in row_b.group(1) and "table-danger" not in row_a.group(1)
    assert 'value="30"' in response.content.decode()  # the good row's typed value is kept too


# Four eyes, withdraw, return comments ------------------------------------------------------------


def test_four_eyes_a_coordinator_who_changed_the_figure_cannot_approve(client, cycle):
    project = add_project(cycle)
    editor, coord, coord2 = cycle.users["editor"], cycle.users["coordinator"], cycle.users["coordinator2"]
    report = services.monthly_report_entry_save(project=project, year=YEAR, month=MONTH, acting_user=editor,
                                                data={"completed_month": Decimal(100)}, expected_version=0)
    services.monthly_report_update(report=fresh(report), data={"completed_month": Decimal(110)}, acting_user=coord,
                                   expected_version=report.version)
    report = services.monthly_report_submit(report=fresh(report), acting_user=editor)
    before = database_state()
    with pytest.raises(PermissionDenied, match="四眼"):
        services.monthly_report_approve(report=fresh(report), acting_user=coord, expected_version=report.version)
    client.force_login(coord)
    client.post(reverse("projects:review_action", args=[report.pk, "approve"]), {"version": report.version})
    assert act(token_client(coord), report, "approve").status_code == 403
    assert database_state() == before
    assert not reports_waiting_for(coord).filter(pk=report.pk).exists()
    assert f"/reports/{YEAR}/{MONTH}/" not in client.get(reverse("projects:review_queue")).content.decode()
    client.force_login(coord2)
    assert entry_url(project) in client.get(reverse("projects:review_queue")).content.decode()
    services.monthly_report_approve(report=fresh(report), acting_user=coord2, expected_version=report.version)
    assert fresh(report).status == "approved" and fresh(report).reviewed_by == coord2


def test_withdraw_until_reviewed(client, cycle):
    project = add_project(cycle)
    editor = cycle.users["editor"]
    client.force_login(editor)
    assert entry_post(client, project, {"completed_month": "80"}, submit=True).status_code == 302
    report = MonthlyReport.objects.get(project=project, month=MONTH)
    assert report.status == "submitted"
    page = client.get(entry_url(project)).content.decode()
    withdraw = form_fields(page, "withdraw-form")
    client.post(reverse("projects:review_action", args=[report.pk, "withdraw"]), withdraw)
    assert fresh(report).status == "draft"
    assert entry_post(client, project, {"completed_month": "80"}, submit=True).status_code == 302
    services.monthly_report_approve(report=fresh(report), acting_user=cycle.users["coordinator"])
    before = database_state()
    assert 'id="withdraw-form"' not in client.get(entry_url(project)).content.decode()
    client.post(reverse("projects:review_action", args=[report.pk, "withdraw"]),
                {"version": fresh(report).version})
    with pytest.raises(services.WorkflowError):
        services.monthly_report_withdraw(report=fresh(report), acting_user=editor)
    assert act(token_client(editor), report, "withdraw").status_code in (403, 409)
    assert database_state() == before and fresh(report).status == "approved"


def test_resubmission_clears_the_old_return_comment_on_the_entry_page(client, cycle):
    project = add_project(cycle)
    client.force_login(cycle.users["editor"])
    entry_post(client, project, {"completed_month": "80"}, submit=True)
    report = MonthlyReport.objects.get(project=project, month=MONTH)
    services.monthly_report_return(report=report, acting_user=cycle.users["coordinator"], comment="请核对投资额XYZ")
    page = client.get(entry_url(project)).content.decode()
    assert 'id="review-comment"' in page and "请核对投资额XYZ" in page
    assert entry_post(client, project, {"completed_month": "85"}, submit=True).status_code == 302
    page = client.get(entry_url(project)).content.decode()
    assert "请核对投资额XYZ" not in page and fresh(report).status == "submitted"
    assert MonthlyReport.history.filter(id=report.pk, review_comment="请核对投资额XYZ").exists()


# Plausibility and amounts -------------------------------------------------------------------------


def test_implausible_month_needs_a_reason_that_the_reviewer_sees(client, cycle):
    project = add_project(cycle)  # plan 1200: more than 600 in one month is implausible
    client.force_login(cycle.users["editor"])
    before = database_state()
    response = entry_post(client, project, {"completed_month": "700"}, submit=True)
    assert response.status_code == 400 and "plausibility_note" in response.context["form"].errors
    assert database_state() == before
    response = entry_post(client, project, {"completed_month": "700", "plausibility_note": "设备集中到货一次性结算"},
                          submit=True)
    assert response.status_code == 302
    report = MonthlyReport.objects.get(project=project, month=MONTH)
    assert (report.status, report.completed_month) == ("submitted", Decimal(700))
    client.force_login(cycle.users["coordinator"])
    page = client.get(entry_url(project)).content.decode()
    assert re.search(r'id="plausibility-review".*设备集中到货一次性结算', page, re.S)
    assert "设备集中到货一次性结算" in client.get(reverse("projects:review_queue")).content.decode()
    # Just under the limit needs no reason.
    other = add_project(cycle, "P-2")
    client.force_login(cycle.users["editor"])
    assert entry_post(client, other, {"completed_month": "600"}).status_code == 302


@pytest.mark.parametrize("typed", ["3,210.5", "３２１０．５", "3 210.5", "３，２１０．５"])
def test_amounts_as_people_type_them(client, cycle, typed):
    big = add_project(cycle, "P-BIG", plan=Decimal("100000"))
    client.force_login(cycle.users["editor"])
    assert entry_post(client, big, {"completed_month": typed}).status_code == 302
    assert MonthlyReport.objects.get(project=big, month=MONTH).completed_month == Decimal("3210.5")
    response = bulk_post(client, bulk_url(month=4), {big.pk: {"completed_month": typed}})
    assert response.status_code == 302, response.content.decode()[:2000]
    april = MonthlyReport.objects.get(project=big, month=4)
    assert (april.completed_month, april.completed_ytd) == (Decimal("3210.5"), Decimal("6471.0"))


def test_an_absurd_amount_is_refused_with_the_field_named_and_nothing_breaks(client, cycle, superuser):
    project = add_project(cycle)
    absurd = "999999999999.9999"
    client.force_login(cycle.users["editor"])
    before = database_state()
    response = entry_post(client, project, {"completed_month": absurd})
    assert response.status_code == 400 and "completed_month" in response.context["form"].errors
    assert "本月完成投资" in response.content.decode() and absurd in response.content.decode()
    response = bulk_post(client, bulk_url(), {project.pk: {"completed_month": absurd}})
    assert response.status_code == 400 and "completed_month" in response.context["formset"].forms[0].errors
    api = token_client(cycle.users["editor"])
    response = api.post(reverse("api:monthly-report-list"),
                        {"project": project.pk, "year": YEAR, "month": MONTH, "completed_month": absurd}, format="json")
    assert response.status_code == 400 and "completed_month" in str(response.json())
    assert database_state() == before
    assert client.get(reverse("projects:project_detail", args=[project.pk])).status_code == 200
    assert api.get(reverse("api:monthly-report-list")).status_code == 200
    client.force_login(superuser)
    assert client.get(reverse("admin:projects_monthlyreport_changelist")).status_code == 200


# Basis and default period ----------------------------------------------------------------------------


def test_unapproved_later_months_leave_leaders_figures_alone(client, cycle):
    projects = [add_project(cycle, f"P-{i}", february=None) for i in range(3)]
    for p in projects:
        MonthlyReport.objects.create(project=p, year=YEAR, month=6, completed_month=Decimal(100),
                                     completed_ytd=Decimal(100), status="approved")
    client.force_login(cycle.users["viewer"])
    before = client.get(reverse("dashboard"))
    assert before.context["period"] == Period(YEAR, 6) and before.context["totals"].completed_ytd == Decimal(300)
    editor = cycle.users["editor"]
    for i, p in enumerate(projects):
        report = services.monthly_report_entry_save(project=p, year=YEAR, month=7, acting_user=editor,
                                                    data={"completed_month": Decimal(50)}, expected_version=0)
        if i:
            services.monthly_report_submit(report=report, acting_user=editor)
    after = client.get(reverse("dashboard"))
    assert after.context["period"] == before.context["period"]
    assert after.context["totals"] == before.context["totals"]
    # A coordinator may include them, and the page says so.
    client.force_login(cycle.users["coordinator"])
    all_basis = client.get(reverse("dashboard") + f"?year={YEAR}&month=7&basis=all")
    assert all_basis.context["totals"].completed_ytd == Decimal(450)
    assert 'id="basis-statement"' in all_basis.content.decode() and "含已提交" in all_basis.content.decode()
    approved = client.get(reverse("dashboard") + f"?year={YEAR}&month=7")
    assert approved.context["totals"].completed_ytd == Decimal(300)
    # A viewer asking for them is refused the basis and shown the approved figures.
    client.force_login(cycle.users["viewer"])
    refused = client.get(reverse("dashboard") + f"?year={YEAR}&month=7&basis=all")
    assert refused.context["totals"].completed_ytd == Decimal(300)


def test_default_period_is_the_latest_closed_month_once_one_closes(client, cycle):
    project = add_project(cycle, february=None)
    for month in (5, 6):
        MonthlyReport.objects.create(project=project, year=YEAR, month=month, completed_month=Decimal(10),
                                     completed_ytd=Decimal(10 * (month - 4)), status="approved")
    client.force_login(cycle.users["viewer"])
    assert client.get(reverse("dashboard")).context["period"] == Period(YEAR, 6)
    ReportWaiver.objects.create(project=project, year=YEAR, month=4, reason="未开工")
    closing.month_close(year=YEAR, month=5, acting_user=cycle.users["coordinator"])
    assert client.get(reverse("dashboard")).context["period"] == Period(YEAR, 5)


# Closing ---------------------------------------------------------------------------------------


def _june(cycle):
    """Three projects in June: one approved, one submitted, one without a report."""
    editor = cycle.users["editor"]
    done, waiting, missing = (add_project(cycle, code, february=None) for code in ("P-DONE", "P-WAIT", "P-MISS"))
    for p, value in ((done, 100), (waiting, 40)):
        r = services.monthly_report_entry_save(project=p, year=YEAR, month=6, acting_user=editor,
                                               data={"completed_month": Decimal(value)}, expected_version=0,
                                               submit=True)
        if p is done:
            services.monthly_report_approve(report=fresh(r), acting_user=cycle.users["coordinator"])
    return done, waiting, missing


def _june_ready_to_close(cycle):
    """``_june`` with nothing blocking the close: P-WAIT approved, P-MISS waived (with a May report)."""
    done, waiting, missing = _june(cycle)
    coord = cycle.users["coordinator"]
    MonthlyReport.objects.create(project=missing, year=YEAR, month=5, completed_month=Decimal(30),
                                 completed_ytd=Decimal(30), status="approved")
    closing.report_waive(project=missing, year=YEAR, month=6, reason="项目暂停", acting_user=coord)
    services.monthly_report_approve(report=MonthlyReport.objects.get(project=waiting, month=6), acting_user=coord)
    return done, waiting, missing


def test_close_is_refused_with_blockers_and_waivers_unblock(client, cycle):
    done, waiting, missing = _june(cycle)
    coordinator = cycle.users["coordinator"]
    client.force_login(coordinator)
    month_url = reverse("projects:month", args=[YEAR, 6])
    before = database_state()
    response = client.post(month_url, {"action": "close"})
    text = response.content.decode()
    assert response.status_code == 400 and "P-WAIT" in text and "P-MISS" in text
    assert database_state() == before
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("close_month", year=YEAR, month=6, user="coordinator", stdout=out)
    assert "P-WAIT" in out.getvalue() and "P-MISS" in out.getvalue() and "P-DONE" not in out.getvalue()
    assert not PeriodLock.objects.exists() and not MonthSnapshot.objects.exists()
    # A waiver needs a reason.
    assert client.post(month_url, {"action": "waive", "project": missing.pk, "reason": " "}).status_code == 400
    assert client.post(month_url, {"action": "waive", "project": missing.pk, "reason": "项目暂停"}).status_code == 302
    assert [b.code for b in closing.close_blockers(YEAR, 6)] == ["P-WAIT"]
    services.monthly_report_approve(report=MonthlyReport.objects.get(project=waiting, month=6),
                                    acting_user=coordinator)
    out = StringIO()
    call_command("close_month", year=YEAR, month=6, user="coordinator", stdout=out)
    assert "第1版" in out.getvalue()
    assert PeriodLock.objects.filter(year=YEAR, month=6).exists()


def test_close_month_command_waives_missing_with_a_reason(cycle):
    done = add_project(cycle, "P-DONE", february=None)
    add_project(cycle, "P-MISS", february=None)
    MonthlyReport.objects.create(project=done, year=YEAR, month=6, completed_month=Decimal(1),
                                 completed_ytd=Decimal(1), status="approved")
    out = StringIO()
    call_command("close_month", "--year", str(YEAR), "--month", "6", "--waive-missing", "未开工",
                 "--user", "coordinator2", stdout=out)
    assert "第1版" in out.getvalue()
    assert ReportWaiver.objects.get(year=YEAR, month=6).reason == "未开工"
    with pytest.raises(CommandError):  # already closed
        call_command("close_month", year=YEAR, month=6, user="coordinator2", stdout=StringIO())
    with pytest.raises(CommandError):  # an editor may not close
        call_command("close_month", year=YEAR, month=7, user="editor", stdout=StringIO())


def _report_ytd(period, version=None):
    report = build_progress_report(Project.objects.all(), period, narrative=False,
                                   source=figure_source(period, version=version))
    return report.totals.completed_ytd, report.snapshot_version


def test_closing_freezes_and_a_correction_makes_a_new_version(client, cycle):
    done, waiting, missing = _june(cycle)
    coord, coord2, editor = cycle.users["coordinator"], cycle.users["coordinator2"], cycle.users["editor"]
    closing.report_waive(project=missing, year=YEAR, month=6, reason="项目暂停", acting_user=coord)
    services.monthly_report_approve(report=MonthlyReport.objects.get(project=waiting, month=6), acting_user=coord)
    june = Period(YEAR, 6)
    closing.month_close(year=YEAR, month=6, acting_user=coord)
    assert _report_ytd(june) == (Decimal(140), 1)
    # Reopen with a reason, correct a report, approve the correction: v1 still prints until the close.
    client.force_login(coord)
    month_url = reverse("projects:month", args=[YEAR, 6])
    assert client.post(month_url, {"action": "reopen", "reason": ""}).status_code == 400
    assert client.post(month_url, {"action": "reopen", "reason": "P-WAIT投资额更正"}).status_code == 302
    report = MonthlyReport.objects.get(project=waiting, month=6)
    services.monthly_report_reopen(report=report, acting_user=coord, comment="请更正")
    client.force_login(editor)
    assert entry_post(client, waiting, {"completed_month": "60"}, submit=True, month=6).status_code == 302
    services.monthly_report_approve(report=fresh(report), acting_user=coord2)
    assert fresh(report).completed_month == Decimal(60) and fresh(report).status == "approved"
    assert _report_ytd(june) == (Decimal(140), 1)
    client.force_login(cycle.users["viewer"])
    page = client.get(f"/reports/progress/?year={YEAR}&month=6")
    assert page.status_code == 200 and page.context["report"].totals.completed_ytd == Decimal(140)
    # Closing again makes version 2 with the correction; version 1 stays as printed.
    call_command("close_month", year=YEAR, month=6, user="coordinator2", stdout=StringIO())
    assert _report_ytd(june) == (Decimal(160), 2)
    assert _report_ytd(june, version=1) == (Decimal(140), 1)
    latest = client.get(f"/reports/progress/?year={YEAR}&month=6")
    first = client.get(f"/reports/progress/?year={YEAR}&month=6&snapshot=1")
    assert latest.context["report"].totals.completed_ytd == Decimal(160)
    assert latest.context["report"].snapshot_version == 2
    assert first.status_code == 200 and first.context["report"].totals.completed_ytd == Decimal(140)
    assert first.context["report"].snapshot_version == 1
    assert client.get(f"/reports/progress/?year={YEAR}&month=6&snapshot=3").status_code == 400
    assert MonthSnapshot.objects.get(year=YEAR, month=6, version=2).reason == "P-WAIT投资额更正"


def test_a_closed_months_report_keeps_the_projects_as_they_stood(cycle, other_department):
    """Moving a project to another department, category or status after the close changes nothing in the
    closed month's report; the live figures (every report) show the move."""
    done, waiting, missing = _june(cycle)
    coord = cycle.users["coordinator"]
    closing.report_waive(project=missing, year=YEAR, month=6, reason="项目暂停", acting_user=coord)
    services.monthly_report_approve(report=MonthlyReport.objects.get(project=waiting, month=6), acting_user=coord)
    june = Period(YEAR, 6)
    closing.month_close(year=YEAR, month=6, acting_user=coord)

    def picture(source):
        report = build_progress_report(Project.objects.all(), june, narrative=False, source=source)
        departments = {row.label: row.figures.count for row in report.breakdown("department").rows}
        rows = {row.code: (row.department, row.category, row.status) for row in report.projects}
        return departments, rows

    before = picture(figure_source(june))
    Project.objects.filter(pk=done.pk).update(lead_department=other_department, category="transport",
                                              status="completion")
    assert picture(figure_source(june)) == before
    assert before[1]["P-DONE"][0] == cycle.department.name
    live_departments, live_rows = picture(figure_source(june, Basis.ALL))
    assert live_rows["P-DONE"] == (other_department.name, "交通基础设施", "建成")
    assert live_departments[other_department.name] == 1
    # The report page filtered by the department selects the project by its department at the close.
    client = Client()
    client.force_login(cycle.users["viewer"])
    url = f"/reports/progress/?year={YEAR}&month=6&lead_department={cycle.department.pk}"
    assert "P-DONE" in [row.code for row in client.get(url).context["report"].projects]
    url = f"/reports/progress/?year={YEAR}&month=6&lead_department={other_department.pk}"
    assert "P-DONE" not in [row.code for row in client.get(url).context["report"].projects]


def test_a_closed_month_counts_each_frozen_project_once_with_its_frozen_figures(client, cycle):
    """A closed month's figures join the snapshot (FigureSource.scope): a project added after the close is
    not counted, a project without a report of the month shows its latest earlier frozen one, and a
    second version of the month counts each project once, in the report, on the dashboard and in the list."""
    done, waiting, missing = _june_ready_to_close(cycle)
    coord = cycle.users["coordinator"]
    closing.month_close(year=YEAR, month=6, acting_user=coord)
    closing.month_reopen(year=YEAR, month=6, reason="复核", acting_user=coord)
    closing.month_close(year=YEAR, month=6, acting_user=coord)
    late = add_project(cycle, "P-LATE", february=None)
    MonthlyReport.objects.create(project=late, year=YEAR, month=6, completed_month=Decimal(500),
                                 completed_ytd=Decimal(500), status="approved")
    june = Period(YEAR, 6)

    report = build_progress_report(Project.objects.all(), june, narrative=False, source=figure_source(june))
    assert report.snapshot_version == 2
    assert (report.totals.count, report.totals.completed_ytd, report.totals.completed_month) == (
        3, Decimal(170), Decimal(140))
    rows = {row.code: (row.completed_ytd, row.completed_month) for row in report.projects}
    assert rows == {"P-DONE": (Decimal(100), Decimal(100)), "P-WAIT": (Decimal(40), Decimal(40)),
                    "P-MISS": (Decimal(30), None)}
    live = build_progress_report(Project.objects.all(), june, narrative=False, source=figure_source(june, Basis.ALL))
    assert (live.totals.count, live.totals.completed_ytd) == (4, Decimal(670))
    client.force_login(cycle.users["viewer"])
    dashboard = client.get(reverse("dashboard"), {"programme": cycle.programme.pk, "year": YEAR, "month": 6})
    totals = dashboard.context["totals"]
    assert (totals.count, totals.completed_ytd) == (3, Decimal(170))
    assert sum(dashboard.context["warnings"].values()) == 3
    listed = client.get(reverse("projects:project_list"), {"year": YEAR, "month": 6, "ordering": "ytd"})
    assert [row.project.code for row in listed.context["rows"]] == ["P-MISS", "P-WAIT", "P-DONE"]


# The shapes of a project a month's close stores figures for: code -> (annual plan, {month: (month, year to date)}).
FROZEN_SHAPES = {
    "P-MONTH": (PLAN, {2: (50, 50), 6: (70, 120)}),  # its month's report
    "P-EARLIER": (PLAN, {2: (50, 50), 5: (25, 75)}),  # only earlier ones: the year to date is May's
    "P-NONE": (PLAN, {}),  # no report at all (waived)
    "P-NOPLAN": (None, {6: (10, 10)}),  # no plan: no rate
    "P-ZEROPLAN": (Decimal(0), {6: (10, 10)}),  # a plan of nothing: no rate
    "P-HALF": (Decimal(20000), {6: (1, 1)}),  # 0.005 %: half a hundredth, rounded away from zero
    "P-THIRD": (Decimal(3), {6: (1, 1)}),  # 33.333… %
}


def _close_june_over_frozen_shapes(cycle) -> dict[str, Project]:
    projects = {}
    for code, (plan, months) in FROZEN_SHAPES.items():
        project = projects[code] = add_project(cycle, code, plan=plan, february=None, milestones=code == "P-MONTH")
        for month, (amount, ytd) in months.items():
            MonthlyReport.objects.create(project=project, year=YEAR, month=month, completed_month=Decimal(amount),
                                         completed_ytd=Decimal(ytd), status="approved",
                                         progress_text=f"{code}：{month}月进度")
        if 6 not in months:
            closing.report_waive(project=project, year=YEAR, month=6, reason="项目暂停",
                                 acting_user=cycle.users["coordinator"])
    closing.month_close(year=YEAR, month=6, acting_user=cycle.users["coordinator"])
    return projects


def test_a_close_stores_each_projects_figures_as_the_rule_computes_them(cycle):
    """The snapshot row keeps the month's year to date, month figure, report status and rate (in hundredths,
    as progress.completion_rate rounds it) of every shape, and a closed month's progress, read from them, is
    the progress the live approved reports gave (figures, rate and warning)."""
    projects = _close_june_over_frozen_shapes(cycle)
    june = Period(YEAR, 6)
    stored = {row["project__code"]: row for row in SnapshotProject.objects.values(
        "project__code", "completed_ytd", "completed_month", "report_status", "rate_hundredths")}
    assert set(stored) == set(FROZEN_SHAPES)
    for code, (plan, months) in FROZEN_SHAPES.items():
        counted = [months[m] for m in sorted(months)]
        ytd = Decimal(counted[-1][1]) if counted else None
        rate = completion_rate(ytd, plan)
        assert stored[code] == {
            "project__code": code, "completed_ytd": ytd,
            "completed_month": Decimal(months[6][0]) if 6 in months else None,
            "report_status": "approved" if 6 in months else "",
            "rate_hundredths": None if rate is None else int(rate * 100),
        }, code
    assert stored["P-HALF"]["rate_hundredths"] == 1 and stored["P-THIRD"]["rate_hundredths"] == 3333

    def progress(source):
        return {row.project.code: (row.completed_ytd, row.completed_month, row.report_status, row.rate,
                                   row.warning.colour)
                for row in project_progress(Project.objects.all(), june, source)}

    frozen = figure_source(june)
    assert frozen.frozen
    assert progress(frozen) == progress(FigureSource(june)) and len(progress(frozen)) == len(projects)
    ranked = {p.code: (p.list_rate_hundredths, p.list_warning) for p in with_list_figures(Project.objects.all(), june,
                                                                                            frozen)}
    assert ranked == {code: (stored[code]["rate_hundredths"], WARNING_RANK[colour])
                      for code, (*_figures, colour) in progress(frozen).items()}
    # The report's rows print the latest frozen report's progress: the month's own, or an earlier one.
    printed = {row.code: row.progress for row in build_progress_report(
        Project.objects.all(), june, narrative=False, source=frozen).projects}
    assert printed == {code: f"{code}：{max(months)}月进度" if months else ""
                       for code, (_plan, months) in FROZEN_SHAPES.items()}


@pytest.mark.parametrize("role", ["editor", "coordinator", "administrator"])
def test_nobody_edits_a_closed_month(client, cycle, role):
    project = add_project(cycle, february=None)
    other = add_project(cycle, "P-EMPTY", february=None)
    report = MonthlyReport.objects.create(project=project, year=YEAR, month=6, completed_month=Decimal(10),
                                          completed_ytd=Decimal(10), status="approved")
    ReportWaiver.objects.create(project=other, year=YEAR, month=6, reason="未开工")
    closing.month_close(year=YEAR, month=6, acting_user=cycle.users["coordinator"])
    # A reviewer's reopen of the report is refused too: the month is closed.
    with pytest.raises(PermissionDenied):
        services.monthly_report_reopen(report=fresh(report), acting_user=cycle.users["coordinator2"])
    user = cycle.users[role]
    client.force_login(user)
    before = database_state()
    for p in (project, other):
        page = client.get(entry_url(p, month=6))
        assert page.status_code == 200 and 'id="closed-notice"' in page.content.decode()
        response = entry_post(client, p, {"completed_month": "99"}, page=page, month=6)
        assert response.status_code == 403 and 'id="closed-notice"' in response.content.decode()
    url = bulk_url(month=6, department=cycle.department)
    sheet = client.get(url)
    assert 'id="closed-notice"' in sheet.content.decode()
    assert not any(row["editable"] for row in sheet.context["rows"]) and len(sheet.context["rows"]) == 2
    response = bulk_post(client, url, {project.pk: {"completed_month": "99"}, other.pk: {"completed_month": "99"}})
    # The closed month's rows are read-only on the sheet; a crafted post of them is refused, saying why.
    assert response.status_code == 400 and "关闭" in response.content.decode()
    api = token_client(user)
    response = api.patch(detail(report), {"completed_month": "99"}, format="json",
                         HTTP_IF_MATCH=etag_of(api, detail(report)))
    assert response.status_code == 403
    response = api.post(reverse("api:monthly-report-list"),
                        {"project": other.pk, "year": YEAR, "month": 6, "completed_month": "99"}, format="json")
    assert response.status_code in (403, 409)
    with pytest.raises(PermissionDenied):
        services.monthly_report_entry_save(project=other, year=YEAR, month=6, acting_user=user,
                                           data={"completed_month": Decimal(99)}, expected_version=0)
    assert database_state() == before


def test_a_first_save_that_loses_the_race_after_the_check_is_told_so(client, cycle, monkeypatch):
    """The other first save commits between this one's existence check and its insert (PostgreSQL's
    READ COMMITTED lets that happen): the loser hears the conflict and keeps its typed values."""
    project = add_project(cycle)
    original = services._check_plausible  # runs after the existence check, before the insert

    def other_commits_first(report):
        MonthlyReport.objects.create(project=project, year=YEAR, month=MONTH, completed_month=Decimal(100),
                                     completed_ytd=Decimal(150), created_by=cycle.users["coordinator"])
        return original(report)

    monkeypatch.setattr(services, "_check_plausible", other_commits_first)
    with pytest.raises(services.AlreadyExists):
        services.monthly_report_entry_save(project=project, year=YEAR, month=MONTH, acting_user=cycle.users["editor"],
                                           data={"completed_month": Decimal(200)}, expected_version=0)
    MonthlyReport.objects.filter(project=project).exclude(month=2).delete()
    client.force_login(cycle.users["editor"])
    response = entry_post(client, project, {"completed_month": "200"})
    text = response.content.decode()
    assert response.status_code == 400 and "已由他人先行填报" in text and 'value="200"' in text
    # (the simulated competitor ran inside the refused transaction, so it is undone with it here)
    assert not MonthlyReport.objects.filter(project=project, month=MONTH, completed_month=Decimal(200)).exists()


@pytest.mark.parametrize("filters", ["", "lead_department={department}", "lead_department={other}", "category=transport",
                                     "status=preparation", "programme={programme}", "warning=red", "q=P-D"])
@pytest.mark.parametrize("month", ["open", "closed", "closed again", "closed, first version"])
@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_a_reports_projects_are_selected_once_as_the_filters_select_them(cycle, other_department, filters, month,
                                                                         role):
    """The projects a report counts (selectors.period_projects) are the filtered projects of the period's programmes,
    however the filters and the closed month's snapshot joined them; filters on the project's own columns, in the
    closed month's snapshot too, are kept as they are (no second selection of every project by key)."""
    from django.http import QueryDict

    from projects.reports.requests import progress_request_for
    from projects.selectors import counted_in_year, period_projects

    done, waiting, missing = _june(cycle)
    coord = cycle.users["coordinator"]
    without_department = add_project(cycle, "P-NONE", department=False)
    for project in (missing, without_department):
        closing.report_waive(project=project, year=YEAR, month=6, reason="项目暂停", acting_user=coord)
    services.monthly_report_approve(report=MonthlyReport.objects.get(project=waiting, month=6), acting_user=coord)
    params = f"year={YEAR}&month=6"
    if month != "open":
        closing.month_close(year=YEAR, month=6, acting_user=coord)
        # Moved after the close: a closed month's filters select it by what it was.
        Project.objects.filter(pk=done.pk).update(lead_department=other_department, category="transport")
    if month in ("closed again", "closed, first version"):
        closing.month_reopen(year=YEAR, month=6, reason="复核", acting_user=coord)
        closing.month_close(year=YEAR, month=6, acting_user=coord)
    if month == "closed, first version":
        params += "&snapshot=1"
    query = filters.format(department=cycle.department.pk, other=other_department.pk, programme=cycle.programme.pk)
    request = progress_request_for(cycle.users[role], QueryDict(f"{params}&{query}"))
    period, source, filtered = request.period, request.source, request.filterset.qs
    assert source.frozen == (month != "open")

    counted = period_projects(filtered, period, source)
    by_key = source.scope(Project.objects.filter(counted_in_year(YEAR), pk__in=filtered.values("pk")))
    assert sorted(counted.values_list("code", flat=True)) == sorted(by_key.values_list("code", flat=True))
    assert counted.count() == len(set(counted.values_list("pk", flat=True)))
    if month != "open" and "lead_department" in filters:
        # The first close froze P-DONE in the department; the second, after the move, in the other one.
        frozen_in = "{other}" if month == "closed again" else "{department}"
        assert ("P-DONE" in counted.values_list("code", flat=True)) == filters.endswith(frozen_in)
    if month == "closed again":
        # Asked of another version of the month, the projects are joined to that version's rows, not kept as the
        # filters joined them (P-DONE was moved between the two closes).
        first = figure_source(period, version=1)
        frozen = ("code", "frozen__lead_department")
        by_first = first.scope(Project.objects.filter(counted_in_year(YEAR), pk__in=filtered.values("pk")))
        assert sorted(period_projects(filtered, period, first).values_list(*frozen)) == sorted(
            by_first.values_list(*frozen))
    # Read as the filters read them: the projects table no more often than the filtered query reads it (a closed
    # month's filters on the frozen columns too, each joining the project's snapshot row again).
    projects = 'FROM "projects_project"'
    assert str(counted.query).count(projects) == str(filtered.all().query).count(projects), str(counted.query)


def _closed_june_of_two_programmes(cycle):
    """June closed: the district programme's three projects of ``_june`` (P-MISS waived, with a May report), and a
    city programme's project reported in February and June."""
    done, waiting, missing = _june_ready_to_close(cycle)
    coord = cycle.users["coordinator"]
    city = Programme.objects.create(year=YEAR, level="city", name="2025年市重点项目")
    in_city = Project.objects.create(programme=city, code="C-1", name="市项目", lead_department=cycle.department,
                                     annual_plan=PLAN, source_quote="C-1项目。")
    for month, value, ytd in ((2, 50, 50), (6, 70, 120)):
        MonthlyReport.objects.create(project=in_city, year=YEAR, month=month, completed_month=Decimal(value),
                                     completed_ytd=Decimal(ytd), status="approved")
    closing.month_close(year=YEAR, month=6, acting_user=coord)
    return city, done


def _live_programme_months(source, projects):
    """Each programme's months computed from the frozen reports of the report's projects (no stored figure)."""
    from projects.figures import figured_projects, frozen_programme_months
    from projects.selectors import period_projects

    figured = figured_projects(period_projects(projects, source.period, source), source.period, source)
    programmes = set(figured.values_list("as_programme", flat=True))
    return {p: dict(frozen_programme_months(source, figured.filter(as_programme=p))) for p in programmes}


def test_a_closed_month_stores_each_programmes_months_as_the_report_adds_them_up(cycle):
    from projects.figures import stored_programme_months

    city, _done = _closed_june_of_two_programmes(cycle)
    june = Period(YEAR, 6)
    source = figure_source(june)
    stored = stored_programme_months(source)
    assert stored == {cycle.programme.pk: (3, {5: Decimal(30), 6: Decimal(140)}),
                      city.pk: (1, {2: Decimal(50), 6: Decimal(70)})}
    live = _live_programme_months(source, Project.objects.all())
    assert {p: months for p, (_count, months) in stored.items()} == live


@pytest.mark.parametrize("scope", ["whole", "a department", "a programme", "moved out of the year after the close",
                                   "corrected and closed again", "the first version after a correction"])
def test_a_closed_months_report_reads_the_stored_months_only_for_whole_programmes(cycle, other_department, scope):
    """The report's month-by-month series of a closed month equal the frozen reports added up for its projects:
    read as the close stored them where the report has all of a programme's frozen projects, added up again
    where it has a part of them."""
    from unittest import mock

    from projects import figures

    city, done = _closed_june_of_two_programmes(cycle)
    june = Period(YEAR, 6)
    projects, version = Project.objects.all(), None
    Project.objects.filter(code="P-WAIT").update(lead_department=other_department)  # after the close
    if scope == "a department":
        projects = projects.filter(lead_department=cycle.department)
    elif scope == "a programme":
        projects = projects.filter(programme=city)
    elif scope == "moved out of the year after the close":
        earlier = Programme.objects.create(year=YEAR - 1, level="district", name="2024年区重点项目")
        Project.objects.filter(pk=done.pk).update(programme=earlier)
    elif scope in ("corrected and closed again", "the first version after a correction"):
        coord = cycle.users["coordinator"]
        closing.month_reopen(year=YEAR, month=6, reason="更正", acting_user=coord)
        MonthlyReport.objects.filter(project=done, month=6).update(completed_month=Decimal(90),
                                                                   completed_ytd=Decimal(90))
        closing.month_close(year=YEAR, month=6, acting_user=coord)
        version = 1 if scope == "the first version after a correction" else None
    source = figure_source(june, version=version)
    with mock.patch.object(figures, "frozen_programme_months", wraps=figures.frozen_programme_months) as added_up:
        report = build_progress_report(projects, june, narrative=False, source=source)
    live = _live_programme_months(source, projects)
    if len(live) > 1:  # several programmes: each one's months apart
        assert {pk: {m.month: m.completed_month for m in months if m.completed_month}
                for pk, months in report.programme_months.items()} == {
            pk: {month: amount for month, amount in months.items() if amount} for pk, months in live.items()}
    added = {}
    for months in live.values():
        for month, amount in months.items():
            added[month] = added.get(month, 0) + amount
    assert {m.month: m.completed_month for m in report.months if m.completed_month} == {
        month: amount for month, amount in added.items() if amount}
    june = {"whole": 140 + 70, "a department": 100 + 70, "a programme": 70, "moved out of the year after the close":
            40 + 70, "corrected and closed again": 130 + 70, "the first version after a correction": 140 + 70}[scope]
    assert report.months[5].completed_month == june
    # Added up again only for a programme of which the report has a part.
    assert added_up.call_count == {"a department": 1, "moved out of the year after the close": 1}.get(scope, 0)


def test_the_migration_stores_the_months_of_months_closed_before_it(cycle):
    import importlib

    from django.apps import apps

    from projects.figures import stored_programme_months
    from projects.models import SnapshotProgramme, SnapshotProgrammeMonth

    _closed_june_of_two_programmes(cycle)
    june = Period(YEAR, 6)
    source = figure_source(june)
    as_closed = stored_programme_months(source)
    report = build_progress_report(Project.objects.all(), june, narrative=False, source=source)
    # As a month closed by the release before: no months stored. Its reports add them up, not zeros.
    SnapshotProgrammeMonth.objects.all().delete()
    SnapshotProgramme.objects.update(months_stored=False)
    assert stored_programme_months(source) == {}
    before = build_progress_report(Project.objects.all(), june, narrative=False, source=source)
    assert before.months == report.months and before.months[5].completed_month == 140 + 70
    migration = importlib.import_module("projects.migrations.0018_closed_month_programme_months")
    migration.store_the_months_of_closed_snapshots(apps, None)
    assert stored_programme_months(source) == as_closed
