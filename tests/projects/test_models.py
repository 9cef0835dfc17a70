"""Database constraints and model validation, with messages naming the field in both languages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from projects.models import Milestone, MonthlyReport, Programme, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return Programme.objects.create(year=2025, level="district", name="2025年区重点项目", declared_project_count=3)


@pytest.fixture
def project(programme, department):
    return Project.objects.create(
        programme=programme, code="T-001", name="测试项目", lead_department=department,
        annual_plan=Decimal("1000"), total_investment=Decimal("5000"),
    )


def report(project, month, ytd, completed=None, year=2025):
    return MonthlyReport(
        project=project, year=year, month=month, completed_ytd=Decimal(ytd),
        completed_month=Decimal(completed if completed is not None else ytd),
    )


class TestDatabaseConstraints:
    def test_one_report_per_project_and_month(self, project):
        report(project, 1, "10").save()
        with pytest.raises(IntegrityError), transaction.atomic():
            report(project, 1, "20").save()

    def test_month_outside_1_to_12_is_refused_by_the_database(self, project):
        with pytest.raises(IntegrityError), transaction.atomic():
            report(project, 13, "10").save()
        assert not MonthlyReport.objects.exists()

    def test_negative_amount_is_refused_by_the_database(self, project):
        with pytest.raises(IntegrityError), transaction.atomic():
            report(project, 2, "-1").save()

    def test_negative_annual_plan_is_refused_by_the_database(self, project):
        project.annual_plan = Decimal("-5")
        with pytest.raises(IntegrityError), transaction.atomic():
            project.save()

    def test_completion_before_start_is_refused_by_the_database(self, project):
        project.actual_start = dt.date(2025, 5, 1)
        project.actual_completion = dt.date(2025, 4, 1)
        with pytest.raises(IntegrityError), transaction.atomic():
            project.save()

    def test_one_programme_per_year_and_level(self, programme):
        with pytest.raises(IntegrityError), transaction.atomic():
            Programme.objects.create(year=2025, level="district", name="重复")


class TestValidationMessages:
    def test_negative_money_names_the_field(self, project):
        project.annual_plan = Decimal("-1")
        with pytest.raises(ValidationError) as exc:
            project.full_clean()
        assert exc.value.message_dict["annual_plan"] == ["金额不能为负数。"]

    def test_month_13_names_the_field(self, project):
        with pytest.raises(ValidationError) as exc:
            report(project, 13, "1").full_clean()
        assert exc.value.message_dict["month"] == ["月份须在1至12之间。"]

    def test_ytd_below_previous_month(self, project):
        report(project, 1, "100").save()
        with pytest.raises(ValidationError) as exc:
            report(project, 2, "90", completed="0").full_clean()
        assert "不能低于1月的累计数" in exc.value.message_dict["completed_ytd"][0]

    def test_ytd_above_following_month(self, project):
        report(project, 3, "100").save()
        with pytest.raises(ValidationError) as exc:
            report(project, 2, "150").full_clean()
        assert "不能高于3月的累计数" in exc.value.message_dict["completed_ytd"][0]

    def test_ytd_equal_to_previous_month_is_fine(self, project):
        report(project, 1, "100").save()
        report(project, 2, "100", completed="0").full_clean()

    def test_completion_before_start(self, project):
        project.actual_start = dt.date(2025, 5, 1)
        project.actual_completion = dt.date(2025, 4, 30)
        with pytest.raises(ValidationError) as exc:
            project.full_clean()
        assert exc.value.message_dict["actual_completion"] == ["实际竣工日期不能早于实际开工日期。"]

    def test_planned_completion_before_planned_start(self, project):
        project.planned_start = dt.date(2025, 5, 1)
        project.planned_completion = dt.date(2024, 4, 30)
        with pytest.raises(ValidationError) as exc:
            project.full_clean()
        assert "planned_completion" in exc.value.message_dict

    def test_annual_plan_above_total_investment(self, project):
        project.annual_plan = Decimal("6000")
        with pytest.raises(ValidationError) as exc:
            project.full_clean()
        assert exc.value.message_dict["annual_plan"] == ["年度计划投资不能大于总投资。"]

    def test_report_outside_the_programme_year(self, project):
        with pytest.raises(ValidationError) as exc:
            report(project, 1, "1", year=2024).full_clean()
        assert exc.value.message_dict["year"] == ["月报年度（2024）须与项目所属计划年度（2025）一致。"]

    def test_messages_in_english(self, project):
        with translation.override("en"):
            project.annual_plan = Decimal("-1")
            with pytest.raises(ValidationError) as exc:
                project.full_clean()
            assert exc.value.message_dict["annual_plan"] == ["Amounts cannot be negative."]

    def test_milestone_needs_a_date(self, project):
        with pytest.raises(ValidationError) as exc:
            Milestone(project=project, kind="start").full_clean()
        assert "planned_date" in exc.value.message_dict

    def test_valid_records_pass(self, project):
        project.full_clean()
        report(project, 1, "10").full_clean()
