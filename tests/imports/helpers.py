"""Sheets for the import tests: a workbook from rows, the project list's headers, a state to compare."""

import io

import openpyxl

from projects.models import Department, DepartmentMembership, Milestone, Project

HEADERS = ["项目编号", "项目名称", "所属计划", "项目类别", "项目状态", "牵头单位", "配合单位", "所在镇街",
           "总投资（万元）", "年度计划投资（万元）", "计划开工", "计划竣工"]
PROGRAMME = "2025年区重点项目"
LEAD = "广州市白云区发展和改革局"


def workbook(rows, *, title_rows=(), merge=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [*title_rows, *rows]:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def project_row(code, name, *, category="产业项目", status="在建", lead=LEAD, co="", town="钟落潭镇",
                total=120000, plan=30000, start="2025-03-01", end="2026-12-31", programme=PROGRAMME):
    return [code, name, programme, category, status, lead, co, town, total, plan, start, end]


def project_sheet(count, *, prefix="IMP", **kwargs) -> bytes:
    name = "导入测试项目" if prefix == "IMP" else f"{prefix}项目"
    return workbook([HEADERS, *(project_row(f"{prefix}-{i:04d}", f"{name}{i}", **kwargs) for i in range(1, count + 1))])


def stored_state():
    """Everything an import may write, history included: a refused import must leave it as it was."""
    from django.contrib.auth import get_user_model

    return {
        "projects": list(Project.objects.order_by("pk").values()),
        "co": list(Project.co_departments.through.objects.order_by("pk").values()),
        "project_history": Project.history.count(),
        "departments": list(Department.objects.order_by("pk").values()),
        "milestones": Milestone.objects.count(),
        "users": list(get_user_model().objects.order_by("pk").values("pk", "username", "email", "first_name")),
        "memberships": list(DepartmentMembership.objects.order_by("pk").values()),
    }
