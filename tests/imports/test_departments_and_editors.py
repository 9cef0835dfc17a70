"""Importing the department list and department editors' accounts (who set their own password by link)."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from portfolio.policy import Role, role_of
from projects.imports import services
from projects.models import Department, DepartmentMembership
from tests.helpers import make_user

from .helpers import stored_state, workbook

DEPARTMENTS = services.KINDS["departments"]
EDITORS = services.KINDS["editors"]


def run(kind, rows, user, *, apply=True, name="名录.xlsx"):
    table, mapping = services.read(kind, workbook(rows), name=name)
    return (services.apply if apply else services.preview)(kind, table, mapping, acting_user=user, file_name=name)


def test_departments_are_created_updated_and_unchanged(report_data, coordinator):
    rows = [["单位编码", "单位名称", "单位类型"], ["fgj", "广州市白云区发展和改革局", "区直部门"],
            ["jtj", "白云区交通运输局", "区直部门"], ["renhe", "人和镇", "镇"]]
    plan = run(DEPARTMENTS, rows, coordinator)
    assert plan.applied and [row.kind for row in plan.rows] == ["skip", "new", "skip"]
    assert Department.objects.get(code="jtj").kind == "bureau"
    renamed = run(DEPARTMENTS, [rows[0], ["jtj", "广州市白云区交通运输局", "区直部门"]], coordinator)
    assert [(c.label, c.old, c.new) for c in renamed.rows[0].changes] == [
        ("单位名称", "白云区交通运输局", "广州市白云区交通运输局")]
    assert Department.objects.get(code="jtj").name == "广州市白云区交通运输局"
    again = run(DEPARTMENTS, [rows[0], ["jtj", "广州市白云区交通运输局", "区直部门"]], coordinator)
    assert [row.kind for row in again.rows] == ["skip"]


def test_a_bad_department_row_writes_nothing(report_data, coordinator):
    before = stored_state()
    plan = run(DEPARTMENTS, [["单位编码", "单位名称", "单位类型"], ["new-a", "新单位甲", "区直部门"],
                             ["bad code!", "新单位乙", "外星机构"]], coordinator)
    assert not plan.applied and stored_state() == before
    errors = plan.rows[1].errors
    assert any(e.startswith("单位类型：“外星机构”不是可选值") for e in errors)
    assert any(e.startswith("单位编码：") for e in errors)


@pytest.fixture
def administrator(db):
    return make_user("admin-importer", Role.ADMINISTRATOR, email="admin@example.gov.cn")


EDITOR_ROWS = [["姓名", "所属单位", "电子邮箱"], ["张三", "广州市白云区发展和改革局", "ZhangSan@Example.gov.cn"],
               ["李四", "钟落潭镇", "lisi@example.gov.cn"]]


def test_editor_accounts_have_no_password_until_their_owner_sets_one(report_data, administrator, client, settings):
    settings.PORTFOLIO_SITE_URL = "https://xm.baiyun.example"
    plan = run(EDITORS, EDITOR_ROWS, administrator)
    assert plan.applied and [row.kind for row in plan.rows] == ["new", "new"]
    user = get_user_model().objects.get(email="zhangsan@example.gov.cn")
    assert user.username == "zhangsan@example.gov.cn" and user.first_name == "张三"
    assert not user.has_usable_password() and role_of(user) == Role.EDITOR
    assert DepartmentMembership.objects.get(user=user).department.code == "fgj"

    # the command and the admin send the invitations after the commit; the service hands them over
    from projects.imports.invitations import send_invitations

    assert send_invitations(plan.invited) == 2
    message = next(m for m in mail.outbox if m.to == ["zhangsan@example.gov.cn"])
    assert "密码" in message.subject and "demo" not in message.body
    link = re.search(r"https://xm\.baiyun\.example(/accounts/password/\S+/)", message.body).group(1)
    page = client.get(link, follow=True)
    assert page.status_code == 200 and "设置密码" in page.content.decode()
    done = client.post(page.redirect_chain[-1][0], {"new_password1": "Baiyun-2025-pass", "new_password2": "Baiyun-2025-pass"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Baiyun-2025-pass")
    assert client.get(link, follow=True).context["validlink"] is False  # one use only
    login = client.post("/login/", {"username": "zhangsan@example.gov.cn", "password": "Baiyun-2025-pass"})
    assert login.status_code == 302 and client.get("/").context["user"] == user


def test_an_expired_invitation_can_be_asked_for_again(report_data, administrator, client):
    run(EDITORS, EDITOR_ROWS, administrator)
    response = client.post("/accounts/password/", {"email": "lisi@example.gov.cn"})
    assert response.status_code == 302 and mail.outbox[-1].to == ["lisi@example.gov.cn"]


def test_reimporting_editors_moves_a_department_and_changes_nothing_else(report_data, administrator):
    run(EDITORS, EDITOR_ROWS, administrator)
    moved = run(EDITORS, [EDITOR_ROWS[0], ["张三", "钟落潭镇", "zhangsan@example.gov.cn"]], administrator)
    assert [(c.label, c.old, c.new) for c in moved.rows[0].changes] == [
        ("所属单位", "广州市白云区发展和改革局", "钟落潭镇")]
    assert DepartmentMembership.objects.get(user__email="zhangsan@example.gov.cn").department.code == "zhongluotan"
    assert [row.kind for row in run(EDITORS, EDITOR_ROWS[:2], administrator, apply=False).rows] == ["update"]
    before = stored_state()
    again = run(EDITORS, [EDITOR_ROWS[0], ["张三", "钟落潭镇", "zhangsan@example.gov.cn"]], administrator)
    assert [row.kind for row in again.rows] == ["skip"] and stored_state() == before and not again.invited


def test_only_administrators_create_accounts_and_bad_rows_write_nothing(report_data, coordinator, administrator):
    before = stored_state()
    refused = run(EDITORS, EDITOR_ROWS, coordinator)
    assert not refused.applied and stored_state() == before and refused.errors
    bad = run(EDITORS, [*EDITOR_ROWS, ["王五", "不存在的单位", "not-an-email"], ["张三", "钟落潭镇", "zhangsan@example.gov.cn"]],
              administrator)
    assert not bad.applied and stored_state() == before and not mail.outbox
    assert [row.kind for row in bad.rows] == ["new", "new", "error", "error"]
    assert any(e.startswith("所属单位：“不存在的单位”不在单位名录中") for e in bad.rows[2].errors)
    assert any(e.startswith("电子邮箱：“not-an-email”不是有效的电子邮箱") for e in bad.rows[2].errors)
    assert "第 2 行" in bad.rows[3].errors[0]


MILESTONES = services.KINDS["milestones"]


def test_milestones_are_matched_by_project_and_kind(report_data, coordinator):
    from projects.models import Milestone, Project

    project = Project.objects.create(code="MS-1", name="节点项目")
    Milestone.objects.create(project=project, kind="start", planned_date=dt.date(2025, 3, 1))
    header = ["项目编号", "节点类型", "计划日期", "计划日期精度", "实际日期", "说明"]
    rows = [header, ["MS-1", "开工", "2025-03-01", "", "2025年4月", ""], ["MS-1", "竣工", "2026年6月", "月", "", "主体完工"]]
    before = stored_state()
    preview = run(MILESTONES, rows, coordinator, apply=False)
    assert stored_state() == before
    assert [row.kind for row in preview.rows] == ["update", "new"]
    assert [(c.label, c.old, c.new) for c in preview.rows[0].changes] == [("实际日期", "—", "2025-04-01")]
    plan = run(MILESTONES, rows, coordinator)
    assert plan.applied
    completion = Milestone.objects.get(project=project, kind="completion")
    assert (completion.planned_date, completion.planned_date_precision, completion.note) == (
        dt.date(2026, 6, 1), "month", "主体完工")
    assert completion.history.first().history_change_reason == "导入：名录.xlsx"
    assert [row.kind for row in run(MILESTONES, rows, coordinator).rows] == ["skip", "skip"]

    Milestone.objects.create(project=project, kind="start", planned_date=dt.date(2025, 5, 1))
    bad = run(MILESTONES, [header, ["MS-1", "开工", "", "", "2025-06-01", ""], ["NOPE", "开工", "2025-01-01", "", "", ""],
                           ["MS-1", "竣工", "2025-01-01", "按月", "", ""]], coordinator)
    assert not bad.applied and [row.kind for row in bad.rows] == ["error", "error", "error"]
    assert "2 个“开工”节点" in bad.rows[0].errors[0] and "NOPE" in bad.rows[1].errors[0]
    assert any(e.startswith("计划日期精度：“按月”不是可选值") for e in bad.rows[2].errors)
