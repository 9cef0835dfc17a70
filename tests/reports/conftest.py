"""Fixtures of the report tests: a small hand-made programme (the 2025-H1 portfolio is in tests/conftest.py)."""

from decimal import Decimal

import pytest

from projects.models import Department, Milestone, MonthlyReport, Programme, Project


class Builder:
    """Makes projects with a year-to-date figure at a month, in one programme."""

    def __init__(self, year=2025, level="district"):
        self.programme = Programme.objects.create(year=year, level=level, name=f"{year}年测试计划")
        self.count = 0

    def department(self, code, name=None, kind="bureau"):
        return Department.objects.get_or_create(code=code, defaults={"name": name or code, "kind": kind})[0]

    def project(self, *, plan, ytd, month=6, department=None, status="implementation", category="industry",
                town=None, code=None, milestones=(), status_report="approved", **fields):
        self.count += 1
        project = Project.objects.create(
            programme=self.programme, code=code or f"T{self.count:04d}", name=f"测试项目{self.count}",
            lead_department=department, annual_plan=None if plan is None else Decimal(plan),
            status=status, category=category, town=town, **fields,
        )
        if ytd is not None:
            MonthlyReport.objects.create(
                project=project, year=self.programme.year, month=month, completed_month=Decimal(ytd),
                completed_ytd=Decimal(ytd), status=status_report,
            )
        for kind, planned, actual in milestones:
            Milestone.objects.create(project=project, kind=kind, planned_date=planned, actual_date=actual)
        return project


@pytest.fixture
def build(db):
    return Builder()
