"""Staff pages: every page and role through the one policy, bad input kept, fixed query counts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from portfolio.policy import Role
from projects.models import Milestone, MonthlyReport, Programme, Project
from tests.expectations import ROLES, SIDES, anywhere, cells
from tests.helpers import database_state, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages_world(department, other_department):
    users = {
        "viewer": make_user("viewer", Role.VIEWER),
        "editor": make_user("editor", Role.EDITOR, department),
        "other_editor": make_user("other_editor", Role.EDITOR, other_department),
        "coordinator": make_user("coordinator", Role.COORDINATOR),
        "administrator": make_user("administrator", Role.ADMINISTRATOR),
    }
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    projects = {}
    for side, dept, author in (("own", department, users["editor"]), ("other", other_department, users["other_editor"])):
        p = Project.objects.create(programme=programme, code=f"P-{side}", name=f"项目{side}", lead_department=dept,
                                   annual_plan=Decimal("1200"), total_investment=Decimal("5000"))
        Milestone.objects.create(project=p, kind="start", planned_date=dt.date(2025, 3, 1))
        MonthlyReport.objects.create(project=p, year=2025, month=1, completed_month=Decimal(100),
                                     completed_ytd=Decimal(100), status="approved", created_by=author)
        MonthlyReport.objects.create(project=p, year=2025, month=2, completed_month=Decimal(50),
                                     completed_ytd=Decimal(150), status="submitted", created_by=author,
                                     submitted_by=author)
        projects[side] = p
    return users, projects


def milestone_rows(project) -> dict:
    """The entry page's milestone rows as it renders them (the project's milestones, unchanged)."""
    milestones = list(project.milestones.order_by("planned_date", "pk"))
    data = {"ms-TOTAL_FORMS": str(len(milestones)), "ms-INITIAL_FORMS": str(len(milestones))}
    for index, milestone in enumerate(milestones):
        data.update({f"ms-{index}-id": str(milestone.pk), f"ms-{index}-version": str(milestone.version)})
    return data


def page_requests(projects, side):
    p = projects[side]
    report = MonthlyReport.objects.get(project=p, month=2)
    return {
        "dashboard": ("get", reverse("dashboard"), {}),
        "list": ("get", reverse("projects:project_list"), {}),
        "export": ("get", reverse("projects:project_export"), {}),
        "detail": ("get", reverse("projects:project_detail", args=[p.pk]), {}),
        "edit.get": ("get", reverse("projects:project_edit", args=[p.pk]), {}),
        "edit.post": ("post", reverse("projects:project_edit", args=[p.pk]),
                      {**_edit_data(p), "progress_summary": "主体封顶", "version": str(p.version)}),
        "entry.get": ("get", reverse("projects:report_entry", args=[p.pk, 2025, 3]), {}),
        "entry.post": ("post", reverse("projects:report_entry", args=[p.pk, 2025, 3]),
                       {"completed_month": "80", "progress_text": "桩基", "problems": "", "coordination_requests": "",
                        **milestone_rows(p), "save": "1", "version": "0"}),
        "queue": ("get", reverse("projects:review_queue"), {}),
        "approve": ("post", reverse("projects:review_action", args=[report.pk, "approve"]),
                    {"version": str(report.version)}),
        "bulk.get": ("get", reverse("projects:bulk_entry") + "?year=2025&month=3", {}),
    }


# page -> its row in the shared table of expectations. The queue and the bulk sheet are not about one
# project: they open to whoever may act on some report (the editor is refused only what it lists).
PAGES = {
    "dashboard": ("project", "view"),
    "list": ("project", "view"),
    "export": ("project", "view"),
    "detail": ("project", "view"),
    "edit.get": ("project", "change:progress"),  # the form opens with the fields the user may change
    "edit.post": ("project", "change:progress"),
    # Everyone who may see the project reads its month; the form is read-only, saying why, unless they may fill it.
    "entry.get": ("report", "view"),
    "entry.post": ("report", "add"),
    "approve": ("report:submitted", "approve"),
}
NOT_ABOUT_ONE_PROJECT = {
    "queue": anywhere(("report:draft", "submit")) | anywhere(("report:submitted", "approve")),
    "bulk.get": anywhere(("report", "add")),
}
WRITES = {"edit.post", "entry.post", "approve"}
CELLS = cells(PAGES) + [
    (page, role, side, role in roles) for page, roles in NOT_ABOUT_ONE_PROJECT.items()
    for role in ROLES for side in SIDES
]


@pytest.mark.parametrize(("page", "role", "side", "allowed"), CELLS, ids=[f"{p}-{r}-{s}" for p, r, s, _a in CELLS])
def test_page_matrix(client, pages_world, page, role, side, allowed):
    users, projects = pages_world
    method, url, data = page_requests(projects, side)[page]
    client.force_login(users[role])
    before = database_state()
    response = getattr(client, method)(url, data)
    if allowed:
        assert response.status_code in ((302,) if method == "post" else (200,)), response.content.decode()[:500]
        if page in WRITES:
            assert database_state() != before
    else:
        assert response.status_code in (403, 404)
        assert database_state() == before


def test_anonymous_users_are_sent_to_login(client, pages_world):
    _users, projects = pages_world
    for _name, (method, url, data) in page_requests(projects, "own").items():
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_report_entry_bad_input_keeps_what_was_typed(client, pages_world):
    users, projects = pages_world
    client.force_login(users["editor"])
    url = reverse("projects:report_entry", args=[projects["own"].pk, 2025, 3])
    before = database_state()
    response = client.post(url, {"completed_month": "一百", "progress_text": "完成桩基施工60%", "problems": "用地未批",
                                 "coordination_requests": "", "ms-TOTAL_FORMS": "0", "ms-INITIAL_FORMS": "0"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "请输入数字" in page and "一百" in page and "完成桩基施工60%" in page and "用地未批" in page
    assert database_state() == before
    response = client.post(url, {"completed_month": "-5", "progress_text": "x", "ms-TOTAL_FORMS": "0",
                                 "ms-INITIAL_FORMS": "0"})
    assert "金额不能为负数" in response.content.decode()
    assert database_state() == before


def test_entry_computes_year_to_date_and_submits(client, pages_world):
    users, projects = pages_world
    client.force_login(users["editor"])
    url = reverse("projects:report_entry", args=[projects["own"].pk, 2025, 3])
    data = {"completed_month": "80.5", "progress_text": "主体施工", "problems": "", "coordination_requests": "",
            **milestone_rows(projects["own"]), "submit": "1", "version": "0"}
    assert client.post(url, data).status_code == 302
    report = MonthlyReport.objects.get(project=projects["own"], month=3)
    assert (report.completed_ytd, report.status, report.submitted_by) == (Decimal("230.5"), "submitted", users["editor"])
    # Submitted: the editor's page is read-only now and a POST changes nothing.
    before = database_state()
    assert client.post(url, {**data, "completed_month": "1"}).status_code == 403
    assert database_state() == before


def test_return_with_comment_and_the_editor_sees_it(client, pages_world):
    users, projects = pages_world
    report = MonthlyReport.objects.get(project=projects["own"], month=2)
    client.force_login(users["coordinator"])
    version = str(report.version)
    client.post(reverse("projects:review_action", args=[report.pk, "return"]), {"comment": "", "version": version})
    assert MonthlyReport.objects.get(pk=report.pk).status == "submitted"  # a return needs a comment
    client.post(reverse("projects:review_action", args=[report.pk, "return"]),
                {"comment": "请补充形象进度", "version": version})
    assert MonthlyReport.objects.get(pk=report.pk).status == "returned"
    client.force_login(users["editor"])
    page = client.get(reverse("projects:report_entry", args=[projects["own"].pk, 2025, 2])).content.decode()
    assert "请补充形象进度" in page
    assert "请补充形象进度" in client.get(reverse("dashboard")).content.decode()


def test_bulk_entry_refuses_a_bad_row_and_keeps_every_typed_value(client, pages_world, department):
    users, projects = pages_world
    second = Project.objects.create(programme=projects["own"].programme, code="P-own2", name="项目own2",
                                    lead_department=department, annual_plan=Decimal(500))
    client.force_login(users["editor"])
    url = reverse("projects:bulk_entry") + "?year=2025&month=3"
    page = client.get(url).content.decode()
    assert "P-own" in page and "P-own2" in page and "P-other" not in page
    data = {
        "rows-TOTAL_FORMS": "2", "rows-INITIAL_FORMS": "2", "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "1000",
        "rows-0-project": str(projects["own"].pk), "rows-0-completed_month": "60", "rows-0-progress_text": "第一行进度",
        "rows-1-project": str(second.pk), "rows-1-completed_month": "abc", "rows-1-progress_text": "第二行进度",
        "rows-0-version": "0", "rows-1-version": "0",
    }
    before = database_state()
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert database_state() == before
    assert "第一行进度" in html and "第二行进度" in html and 'value="abc"' in html and 'value="60"' in html
    assert "请输入数字" in html
    data["rows-1-completed_month"] = "40"
    assert client.post(url, data).status_code == 302
    assert MonthlyReport.objects.get(project=projects["own"], month=3).completed_ytd == Decimal(210)
    assert MonthlyReport.objects.get(project=second, month=3).completed_ytd == Decimal(40)


def test_bulk_entry_refuses_a_crafted_row_for_another_department(client, pages_world):
    users, projects = pages_world
    client.force_login(users["editor"])
    data = {"rows-TOTAL_FORMS": "1", "rows-INITIAL_FORMS": "1", "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "1000",
            "rows-0-project": str(projects["other"].pk), "rows-0-version": "0", "rows-0-completed_month": "60"}
    before = database_state()
    response = client.post(reverse("projects:bulk_entry") + "?year=2025&month=3", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "项目：本行的项目与本单位当月可填报的项目不一致" in page and 'value="60"' in page
    assert database_state() == before


def test_project_edit_stale_version_is_refused(client, pages_world):
    users, projects = pages_world
    project = projects["own"]
    url = reverse("projects:project_edit", args=[project.pk])
    client.force_login(users["coordinator"])
    assert client.post(url, {**_edit_data(project), "progress_summary": "统筹", "version": "1"}).status_code == 302
    client.force_login(users["editor"])
    response = client.post(url, {"progress_summary": "部门", "version": "1"})
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    assert "部门" in response.content.decode()
    assert Project.objects.get(pk=project.pk).progress_summary == "统筹"


def _edit_data(project):
    return {
        "programme": project.programme_id, "name": project.name, "category": project.category, "status": "",
        "location": "", "town": "", "lead_department": project.lead_department_id, "total_investment": "5000",
        "annual_plan": "1200", "planned_start": "", "actual_start": "", "planned_completion": "",
        "actual_completion": "", "progress_summary": "", "h2_plan": "",
    }


def test_editor_edit_form_has_only_progress_fields(client, pages_world):
    users, projects = pages_world
    client.force_login(users["editor"])
    page = client.get(reverse("projects:project_edit", args=[projects["own"].pk])).content.decode()
    assert 'name="progress_summary"' in page and 'name="annual_plan"' not in page
    before = Project.objects.get(pk=projects["own"].pk).annual_plan
    client.post(reverse("projects:project_edit", args=[projects["own"].pk]),
                {"progress_summary": "x", "annual_plan": "1", "version": "1"})
    assert Project.objects.get(pk=projects["own"].pk).annual_plan == before


def test_project_edit_controls_carry_bootstrap_classes_from_the_server(client, pages_world):
    """The edit page styles its controls without a script: selects as form-select, the rest form-control."""
    users, projects = pages_world
    client.force_login(users["coordinator"])
    page = client.get(reverse("projects:project_edit", args=[projects["own"].pk])).content.decode()
    form = page[page.index('<form method="post" novalidate'):]
    form = form[:form.index("</form>")]
    selects = re.findall(r"<select [^>]*>", form)
    fields = [tag for tag in re.findall(r"<(?:input|textarea) [^>]*>", form) if 'type="hidden"' not in tag]
    assert len(selects) >= 5 and len(fields) >= 8  # programme, category, status, town, departments; the rest
    assert all('class="form-select"' in tag for tag in selects), selects
    assert all('class="form-control"' in tag for tag in fields), fields


def test_list_filters_sorting_and_warning(client, pages_world):
    users, projects = pages_world
    client.force_login(users["viewer"])
    page = client.get(reverse("projects:project_list"), {"q": "own"}).content.decode()
    assert "P-own" in page and "P-other" not in page
    # Both projects: 150 of 1200 by February = 12.5% against 16.67% elapsed: 4.17 points behind, green.
    assert "P-own" in client.get(reverse("projects:project_list"), {"warning": "green", "month": "2"}).content.decode()
    assert "P-own" not in client.get(reverse("projects:project_list"), {"warning": "red", "month": "2"}).content.decode()
    # By June with no more reports: 12.5% against 50%: 37.5 points behind, red.
    assert "P-own" in client.get(reverse("projects:project_list"), {"warning": "red", "month": "6"}).content.decode()
    ascending = client.get(reverse("projects:project_list"), {"ordering": "code"}).content.decode()
    assert ascending.index("P-other") < ascending.index("P-own")
    descending = client.get(reverse("projects:project_list"), {"ordering": "-code"}).content.decode()
    assert descending.index("P-own") < descending.index("P-other")
    bad = client.get(reverse("projects:project_list"), {"category": "nonsense"})
    assert bad.status_code == 200 and "nonsense" in bad.content.decode()


def test_export_is_the_filtered_list(client, pages_world):
    from io import BytesIO

    from openpyxl import load_workbook

    users, projects = pages_world
    client.force_login(users["viewer"])
    response = client.get(reverse("projects:project_export"), {"q": "own", "month": "2"})
    ws = load_workbook(BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["P-own"]
    # Approved reports only: February is submitted, so the year to date is January's 100.
    assert rows[1][7] == 1200 and rows[1][8] == 100 and rows[1][9] == 8.33
    notes = load_workbook(BytesIO(response.content))["说明"]
    assert "仅计已审核月报" in notes["B2"].value


def test_export_keeps_text_the_file_format_cannot_hold_out(client, pages_world):
    """A name pasted from Word with a vertical tab, or starting like a formula, still exports."""
    from io import BytesIO

    from openpyxl import load_workbook

    users, projects = pages_world
    Project.objects.filter(pk=projects["own"].pk).update(name="\x0b=项目own\x0b一期")
    client.force_login(users["viewer"])
    response = client.get(reverse("projects:project_export"), {"q": "own", "month": "2"})
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("P-own", "'=项目own一期")
    assert rows[1][10] == "绿灯"


def test_dashboard_figures(client, pages_world):
    users, _projects = pages_world
    client.force_login(users["viewer"])
    page = client.get(reverse("dashboard"), {"month": "2"}).content.decode()
    # Leaders see approved figures: February's reports are only submitted, so the year to date is
    # January's 2 × 100 万元 = 0.02 亿元 of 0.24 亿元, 8.33% vs 16.67%.
    assert 'data-figure="count">2<' in page
    assert 'data-figure="plan">0.24<' in page and 'data-figure="ytd">0.02<' in page
    assert 'data-figure="rate">8.33%<' in page
    assert "落后序时进度8.34个百分点" in page and "仅计已审核月报" in page
    # A viewer cannot include unapproved reports; the page says so and keeps the approved basis.
    page = client.get(reverse("dashboard"), {"month": "2", "basis": "all"}).content.decode()
    assert 'data-figure="ytd">0.02<' in page and "只有发改局统筹人员" in page
    # A coordinator can, and the page then says that its figures include unapproved reports.
    client.force_login(users["coordinator"])
    page = client.get(reverse("dashboard"), {"month": "2", "basis": "all"}).content.decode()
    assert 'data-figure="ytd">0.03<' in page and 'data-figure="rate">12.50%<' in page
    assert "落后序时进度4.17个百分点" in page and "含已提交、已退回和草稿月报" in page


def test_dashboard_and_list_link_to_the_report_with_their_filters(client, pages_world):
    import re
    from html import unescape

    users, projects = pages_world
    client.force_login(users["viewer"])
    programme = projects["own"].programme
    page = client.get(reverse("dashboard"), {"programme": programme.pk, "month": "2"}).content.decode()
    href = unescape(re.search(r'id="progress-report-link" href="([^"]+)"', page).group(1))
    assert href == f"{reverse('reports:progress')}?programme={programme.pk}&year=2025&month=2"
    report = client.get(href).content.decode()
    assert "2025年1—2月" in report and "落后序时进度8.34个百分点" in report
    listed = client.get(reverse("projects:project_list"), {"q": "own", "month": "2"}).content.decode()
    href = unescape(re.search(r'href="(/reports/progress/\?[^"]+)"', listed).group(1))
    assert "q=own" in href and "month=2" in href
    assert client.get(href).status_code == 200


# The dashboard's and the list's counts are explained in tests/projects/test_lists.py. The queue: three
# for the session and the user, the count of waiting reports, three for the page's frame (department,
# sample-data notice, unread notifications) and one for the page of reports with their projects,
# programmes, departments and users.
PAGE_PINS = [("dashboard", 25), ("projects:project_list", 16), ("projects:review_queue", 8)]
BULK_QUERIES = 14


@pytest.mark.parametrize(("url_name", "expected"), PAGE_PINS)
def test_query_count_is_pinned_at_10_and_1000_projects(client, portfolio_of_size, url_name, expected,
                                                       count_queries):
    coordinator = make_user("coordinator", Role.COORDINATOR)
    for n in (10, 1000):
        with portfolio_of_size(n):
            MonthlyReport.objects.filter(month=6).update(status="submitted")
            client.force_login(coordinator)
            client.get(reverse(url_name))  # warm the session
            with count_queries() as q:
                response = client.get(reverse(url_name))
            assert response.status_code == 200
            q.assert_count(expected, f"{url_name} at {n} projects")


def test_login_page_logs_in_and_repeated_failures_lock_the_account(client, pages_world):
    users, _projects = pages_world
    response = client.post(reverse("login"), {"username": "editor", "password": "pw-for-tests-123"})
    assert response.status_code == 302
    client.post(reverse("logout"))
    for _ in range(5):
        failed = client.post(reverse("login"), {"username": "editor", "password": "wrong"})
    assert failed.status_code in (200, 429)
    locked = client.post(reverse("login"), {"username": "editor", "password": "pw-for-tests-123"})
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_error_message_is_in_chinese(client, pages_world):
    response = client.post(reverse("login"), {"username": "editor", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_bulk_entry_query_count_does_not_grow_with_the_department(client, pages_world, department, count_queries):
    users, projects = pages_world
    client.force_login(users["editor"])
    url = reverse("projects:bulk_entry") + "?year=2025&month=2"
    created = 0
    for total in (0, 40, 250):  # 250: three pages of BULK_PAGE_SIZE
        for i in range(created, total):
            p = Project.objects.create(programme=projects["own"].programme, code=f"B-{i:03d}", name=f"批量{i}",
                                       lead_department=department)
            MonthlyReport.objects.create(project=p, year=2025, month=2, completed_month=Decimal(1),
                                         completed_ytd=Decimal(1))
        created = total
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        q.assert_count(BULK_QUERIES, f"the bulk sheet with {total} more projects")


def test_bulk_entry_pages_a_large_department_and_saves_one_page(client, pages_world, department):
    """A department of 250 projects: three pages that show each project once, in code order; saving a page
    saves its rows only and comes back to it."""
    from projects.selectors import BULK_PAGE_SIZE

    users, projects = pages_world
    for i in range(249):
        Project.objects.create(programme=projects["own"].programme, code=f"B-{i:03d}", name=f"批量{i}",
                               lead_department=department, annual_plan=Decimal(100))
    client.force_login(users["editor"])
    url = reverse("projects:bulk_entry") + "?year=2025&month=3"
    pages, shown = [], []
    for number in (1, 2, 3):
        html = client.get(f"{url}&page={number}").content.decode()
        codes = re.findall(r'data-project="([^"]+)"', html)
        pages.append(codes)
        shown += codes
        assert f"本单位当月共 250 个项目，每页 {BULK_PAGE_SIZE} 个" in html
    expected = sorted(Project.objects.filter(lead_department=department).values_list("code", flat=True))
    assert shown == expected  # every project exactly once, in code order
    assert [len(codes) for codes in pages] == [100, 100, 50]
    page_two = list(Project.objects.filter(code__in=pages[1]).order_by("code", "pk"))
    data = {"rows-TOTAL_FORMS": str(len(page_two)), "rows-INITIAL_FORMS": str(len(page_two)),
            "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "1000"}
    for index, project in enumerate(page_two):
        data.update({f"rows-{index}-project": str(project.pk), f"rows-{index}-version": "0",
                     f"rows-{index}-completed_month": "7" if index == 0 else ""})
    response = client.post(f"{url}&page=2", data)
    assert response.status_code == 302 and response["Location"].endswith("page=2")
    saved = MonthlyReport.objects.filter(year=2025, month=3)
    assert list(saved.values_list("project__code", flat=True)) == [page_two[0].code]
    # The rows of page 2 posted to page 1 name other projects: refused, nothing saved.
    before = database_state()
    assert client.post(f"{url}&page=1", data).status_code == 400
    assert database_state() == before


def test_project_edit_takes_amounts_as_people_type_them(client, pages_world):
    users, projects = pages_world
    project = projects["own"]
    client.force_login(users["coordinator"])
    url = reverse("projects:project_edit", args=[project.pk])
    page = client.get(url).content.decode()
    assert 'value="5,000.00"' in page and 'value="1,200.00"' in page  # as the pages print amounts
    data = {**_edit_data(project), "total_investment": "31,017.5", "annual_plan": "１，２５０万元",
            "version": str(project.version)}
    assert client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert (project.total_investment, project.annual_plan) == (Decimal("31017.5"), Decimal("1250"))
    response = client.post(url, {**data, "annual_plan": "1.200,5", "version": str(project.version)})
    assert response.status_code == 400 and "请输入数字" in response.content.decode()


def test_export_keeps_the_lists_order_and_ignores_what_the_list_ignores(client, pages_world):
    from io import BytesIO

    from openpyxl import load_workbook

    users, _projects = pages_world
    client.force_login(users["viewer"])

    def codes(params):
        response = client.get(reverse("projects:project_export"), params)
        assert response.status_code == 200
        return [row[0] for row in list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))[1:]]

    assert codes({"ordering": "code"}) == ["P-other", "P-own"]
    assert codes({"ordering": "-code"}) == ["P-own", "P-other"]
    assert codes({"ordering": "bogus", "category": "nonsense"}) == ["P-other", "P-own"]


def test_dashboard_amounts_in_english_are_billions_or_millions_of_yuan(client, pages_world, settings):
    users, _projects = pages_world
    client.force_login(users["viewer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("dashboard"), {"month": "2"}).content.decode()
    # 2,400 万元 = 0.24 亿元 = 24 million yuan; 200 万元 approved = 2 million yuan.
    assert 'data-figure="plan">24 million yuan<' in page and 'data-figure="ytd">2 million yuan<' in page
    assert "100m yuan" not in page
