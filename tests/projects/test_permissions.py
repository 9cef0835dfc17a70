"""The permission matrix at the service layer: role × own/other department × model × action.

Expectations come from the shared table (tests/expectations.py), written from the policy as the
README states it, independently of projects.permissions; every refused cell also proves that the
database did not change.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from indicators.models import Observation, Target
from projects import closing, services
from projects.models import Milestone, MonthlyReport, Project
from projects.permissions import Action, restrict
from tests.expectations import cell_id, cells
from tests.helpers import database_state

pytestmark = pytest.mark.django_db

REFUSALS = (PermissionDenied, Http404, services.WorkflowError, services.ConflictError)


def record_update(*, instance, data, acting_user):
    """The service as a page calls it: with the version the page read."""
    return services.record_update(
        instance=instance, data=data, acting_user=acting_user, expected_version=getattr(instance, "version", None)
    )


def report_update(*, report, data, acting_user):
    return services.monthly_report_update(
        report=report, data=data, acting_user=acting_user, expected_version=report.version
    )


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# Each operation: (world, user, side) -> None; raises one of REFUSALS when refused.
def project_list(w, u, side):
    if not restrict(Project.objects.all(), u, Action.VIEW).filter(pk=w.projects[side].pk).exists():
        raise Http404


def project_view(w, u, side):
    from projects.permissions import require

    require(u, Action.VIEW, fresh(w.projects[side]))


def project_add(w, u, side):
    dept = w.projects[side].lead_department
    services.record_create(
        instance=Project(programme=w.programme, code=f"NEW-{side}", name="新项目", lead_department=dept), acting_user=u
    )


def project_change_progress(w, u, side):
    record_update(instance=fresh(w.projects[side]), data={"progress_summary": "主体封顶"}, acting_user=u)


def project_change_plan(w, u, side):
    record_update(instance=fresh(w.projects[side]), data={"annual_plan": Decimal("1200")}, acting_user=u)


def project_change_department(w, u, side):
    other = w.projects["other" if side == "own" else "own"].lead_department
    record_update(instance=fresh(w.projects[side]), data={"lead_department": other}, acting_user=u)


def project_delete(w, u, side):
    services.record_delete(instance=fresh(w.projects[side]), acting_user=u)


def milestone_change_actual(w, u, side):
    record_update(instance=fresh(w.milestones[side]), data={"actual_date": dt.date(2025, 3, 5)}, acting_user=u)


def milestone_change_planned(w, u, side):
    record_update(instance=fresh(w.milestones[side]), data={"planned_date": dt.date(2025, 9, 1)}, acting_user=u)


def milestone_add(w, u, side):
    services.record_create(
        instance=Milestone(project=w.projects[side], kind="completion", planned_date=dt.date(2026, 1, 1)), acting_user=u
    )


def milestone_delete(w, u, side):
    services.record_delete(instance=fresh(w.milestones[side]), acting_user=u)


def report_add(w, u, side):
    services.monthly_report_create(
        project=w.projects[side], year=2025, month=4, data={"completed_month": Decimal(7)}, acting_user=u
    )


def report_change(w, u, side):
    report_update(report=fresh(w.drafts[side]), data={"completed_month": Decimal(6)}, acting_user=u)


def report_change_approved(w, u, side):
    report_update(report=fresh(w.approved[side]), data={"progress_text": "改"}, acting_user=u)


def report_delete(w, u, side):
    services.record_delete(instance=fresh(w.drafts[side]), acting_user=u)


def report_submit(w, u, side):
    services.monthly_report_submit(report=fresh(w.drafts[side]), acting_user=u)


def report_approve(w, u, side):
    services.monthly_report_approve(report=fresh(w.submitted[side]), acting_user=u)


def report_return(w, u, side):
    services.monthly_report_return(report=fresh(w.submitted[side]), acting_user=u, comment="请补充形象进度")


def report_reopen(w, u, side):
    services.monthly_report_reopen(report=fresh(w.approved[side]), acting_user=u)


def month_lock(w, u, side):
    closing.month_close(year=2025, month=5 if side == "own" else 6, acting_user=u, waive_missing="尚无投资")


def observation_change(w, u, side):
    record_update(instance=Observation.objects.get(), data={"value": Decimal("1533")}, acting_user=u)


def target_delete(w, u, side):
    services.record_delete(instance=Target.objects.get(), acting_user=u)


def programme_change(w, u, side):
    record_update(instance=fresh(w.programme), data={"declared_project_count": 400}, acting_user=u)


# operation -> (how the service is called, its row in the shared table of expectations)
MATRIX = {
    "project.list": (project_list, ("project", "view")),
    "project.view": (project_view, ("project", "view")),
    "project.add": (project_add, ("project", "add")),
    "project.change(progress)": (project_change_progress, ("project", "change:progress")),
    "project.change(plan)": (project_change_plan, ("project", "change:plan")),
    "project.change(department)": (project_change_department, ("project", "change:department")),
    "project.delete": (project_delete, ("project", "delete")),
    "milestone.add": (milestone_add, ("milestone", "add")),
    "milestone.change(actual)": (milestone_change_actual, ("milestone", "change:actual")),
    "milestone.change(planned)": (milestone_change_planned, ("milestone", "change:planned")),
    "milestone.delete": (milestone_delete, ("milestone", "delete")),
    "report.add": (report_add, ("report", "add")),
    "report.change(draft)": (report_change, ("report:draft", "change")),
    "report.change(approved)": (report_change_approved, ("report:approved", "change")),
    "report.delete": (report_delete, ("report:draft", "delete")),
    "report.submit": (report_submit, ("report:draft", "submit")),
    "report.approve": (report_approve, ("report:submitted", "approve")),
    "report.return": (report_return, ("report:submitted", "return")),
    "report.reopen": (report_reopen, ("report:approved", "reopen")),
    "month.lock": (month_lock, ("month", "close")),
    "observation.change": (observation_change, ("observation", "change")),
    "target.delete": (target_delete, ("target", "delete")),
    "programme.change": (programme_change, ("programme", "change")),
}
CELLS = cells({op: key for op, (_fn, key) in MATRIX.items()})


def test_the_matrix_is_large_enough():
    assert len(CELLS) >= 100


@pytest.mark.parametrize(("operation", "role", "side", "allowed"), CELLS, ids=[cell_id(*c) for c in CELLS])
def test_permission_matrix(world, operation, role, side, allowed):
    fn = MATRIX[operation][0]
    user = world.users[role]
    before = database_state()
    if allowed:
        fn(world, user, side)
        if not operation.endswith((".list", ".view")):
            assert database_state() != before, "an allowed write changed nothing"
    else:
        with pytest.raises(REFUSALS):
            fn(world, user, side)
        assert database_state() == before, "a refused action changed the database"


def test_a_reviewer_cannot_approve_their_own_entry(world):
    coordinator = world.users["coordinator"]
    report = services.monthly_report_create(
        project=world.projects["own"], year=2025, month=7, data={"completed_month": Decimal(1)}, acting_user=coordinator
    )
    services.monthly_report_submit(report=report, acting_user=coordinator)
    # Months are approved in order: the earlier months of the project are approved first.
    MonthlyReport.objects.filter(project=world.projects["own"], month__lt=7).update(status="approved")
    before = database_state()
    with pytest.raises(PermissionDenied, match="不能审核自己"):
        services.monthly_report_approve(report=fresh(report), acting_user=coordinator)
    assert database_state() == before
    services.monthly_report_approve(report=fresh(report), acting_user=world.users["administrator"])
    assert fresh(report).status == "approved"


def test_a_closed_month_refuses_everyone_until_it_is_reopened(world):
    editor, coordinator = world.users["editor"], world.users["coordinator"]
    admin = world.users["administrator"]
    # Month 1 is approved for both projects: it can close.
    closing.month_close(year=2025, month=1, acting_user=coordinator)
    before = database_state()
    for user in (editor, coordinator, admin):
        with pytest.raises(PermissionDenied, match="关闭"):
            report_update(report=fresh(world.approved["own"]), data={"problems": "x"}, acting_user=user)
        with pytest.raises((PermissionDenied, services.WorkflowError), match="关闭" if user != editor else "权限"):
            services.monthly_report_reopen(report=fresh(world.approved["own"]), acting_user=user)
    assert database_state() == before
    closing.month_reopen(year=2025, month=1, reason="更正1月数据", acting_user=coordinator)
    services.monthly_report_reopen(report=fresh(world.approved["own"]), acting_user=coordinator)
    report_update(report=fresh(world.approved["own"]), data={"problems": "部门更正"}, acting_user=editor)
    assert fresh(world.approved["own"]).problems == "部门更正"


def test_workflow_draft_submitted_returned_submitted_approved_reopened(world):
    editor, coordinator = world.users["editor"], world.users["coordinator"]
    # Months are approved in order: February (submitted) before this March draft.
    services.monthly_report_approve(report=fresh(world.submitted["own"]), acting_user=coordinator)
    report = fresh(world.drafts["own"])
    services.monthly_report_submit(report=report, acting_user=editor)
    with pytest.raises(PermissionDenied):  # submitted: the editor can no longer change it
        report_update(report=fresh(report), data={"problems": "x"}, acting_user=editor)
    with pytest.raises(ValidationError):
        services.monthly_report_return(report=fresh(report), acting_user=coordinator, comment="  ")
    services.monthly_report_return(report=fresh(report), acting_user=coordinator, comment="请补充")
    returned = fresh(report)
    assert (returned.status, returned.review_comment, returned.reviewed_by) == ("returned", "请补充", coordinator)
    report_update(report=returned, data={"problems": "已补充"}, acting_user=editor)
    services.monthly_report_submit(report=fresh(report), acting_user=editor)
    with pytest.raises(services.WorkflowError):
        services.monthly_report_submit(report=fresh(report), acting_user=editor)
    services.monthly_report_approve(report=fresh(report), acting_user=coordinator)
    with pytest.raises(services.WorkflowError):
        services.monthly_report_approve(report=fresh(report), acting_user=coordinator)
    services.monthly_report_reopen(report=fresh(report), acting_user=coordinator)
    assert fresh(report).status == "returned"
    history = list(MonthlyReport.history.filter(id=report.pk).order_by("history_date"))
    statuses = [(h.status, h.history_user) for h in history]
    assert statuses[-6:] == [
        ("submitted", editor), ("returned", coordinator), ("returned", editor), ("submitted", editor),
        ("approved", coordinator), ("returned", coordinator),
    ]


def test_year_to_date_is_computed_and_carried_forward(world):
    editor, coordinator = world.users["editor"], world.users["coordinator"]
    month2, month3 = fresh(world.submitted["own"]), fresh(world.drafts["own"])  # ytd 10 -> 15 -> 20
    services.monthly_report_return(report=month2, acting_user=coordinator, comment="改")
    report_update(report=fresh(month2), data={"completed_month": Decimal(8)}, acting_user=editor)
    assert fresh(month2).completed_ytd == Decimal(18)
    assert fresh(month3).completed_ytd == Decimal(23)  # the draft that follows is carried forward
    services.monthly_report_submit(report=fresh(month3), acting_user=editor)
    before = database_state()
    with pytest.raises(ValidationError, match="3月的月报已提交、审核"):
        report_update(report=fresh(month2), data={"completed_month": Decimal(9)}, acting_user=editor)
    assert database_state() == before


def test_editors_limited_to_their_department_when_the_setting_says_so(world, settings):
    editor = world.users["editor"]
    assert restrict(Project.objects.all(), editor).count() == 2
    settings.PORTFOLIO_EDITOR_SEES_ALL_PROJECTS = False
    assert list(restrict(Project.objects.all(), editor)) == [world.projects["own"]]
    assert set(restrict(MonthlyReport.objects.all(), editor)) == {
        world.drafts["own"], world.submitted["own"], world.approved["own"]}
    with pytest.raises(Http404):
        project_view(world, editor, "other")


def test_co_responsible_departments_can_edit_when_the_setting_says_so(world, settings, department):
    editor = world.users["editor"]
    other_project = world.projects["other"]
    other_project.co_departments.add(department)
    with pytest.raises(PermissionDenied):
        project_change_progress(world, editor, "other")
    settings.PORTFOLIO_EDITOR_EDITS_CO_RESPONSIBLE = True
    project_change_progress(world, editor, "other")
    assert fresh(other_project).progress_summary == "主体封顶"


def test_a_save_that_moves_the_object_out_of_reach_is_rolled_back(world, monkeypatch):
    """The post-save check: even were an editor allowed to write the department, the move is undone."""
    from projects import permissions

    monkeypatch.setitem(permissions.EDITOR_FIELDS, Project, frozenset({"progress_summary", "lead_department"}))
    before = database_state()
    with pytest.raises(PermissionDenied, match="超出您的修改范围"):
        project_change_department(world, world.users["editor"], "own")
    assert database_state() == before


def test_stale_edit_is_refused_and_the_first_kept(world):
    first = fresh(world.projects["own"])
    second = fresh(world.projects["own"])
    history_before = Project.history.filter(id=first.pk).count()
    record_update(instance=first, data={"progress_summary": "第一人"}, acting_user=world.users["editor"])
    with pytest.raises(services.ConflictError):
        record_update(instance=second, data={"progress_summary": "第二人"}, acting_user=world.users["coordinator"])
    current = fresh(world.projects["own"])
    assert current.progress_summary == "第一人"
    assert current.version == first.version == 2
    assert Project.history.filter(id=first.pk).count() == history_before + 1


def test_history_records_each_change_with_its_user(world):
    editor, coordinator = world.users["editor"], world.users["coordinator"]
    project = world.projects["own"]
    record_update(instance=fresh(project), data={"progress_summary": "桩基完成"}, acting_user=editor)
    record_update(instance=fresh(project), data={"annual_plan": Decimal("900")}, acting_user=coordinator)
    latest = list(Project.history.filter(id=project.pk).order_by("-history_date")[:2])
    assert [(h.history_user, h.history_type) for h in latest] == [(coordinator, "~"), (editor, "~")]
    assert latest[0].annual_plan == Decimal("900") and latest[1].annual_plan == Decimal("1000")
    delta = latest[0].diff_against(latest[1])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("annual_plan", Decimal("1000"), Decimal("900"))]
