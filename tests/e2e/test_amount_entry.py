"""An amount typed the way people write it is previewed, saved and shown back formatted."""

from decimal import Decimal

import pytest

from portfolio.policy import Role
from projects.models import MonthlyReport, Programme, Project
from tests.helpers import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_full_width_digits_with_separators_and_wan_yuan_are_saved(new_page, department):
    make_user("editor", Role.EDITOR, department)
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    project = Project.objects.create(programme=programme, code="P-1", name="项目一", lead_department=department,
                                     annual_plan=Decimal("100000"), total_investment=Decimal("500000"))
    MonthlyReport.objects.create(project=project, year=2025, month=1, completed_month=Decimal("1000"),
                                 completed_ytd=Decimal("1000"), status="approved")
    page = new_page("editor")
    page.goto(f"/projects/{project.pk}/reports/2025/2/")
    page.fill("#id_completed_month", "３，２１０．５万元")
    # The preview parses as the server does: 1,000 + 3,210.5.
    assert page.locator("#ytd-preview").inner_text().startswith("4,210.50")
    page.click("button[name=save]")
    report = MonthlyReport.objects.get(project=project, year=2025, month=2)
    assert report.completed_month == Decimal("3210.5")
    # Read back after saving: the stored 3210.5000 is shown as the pages print it.
    assert page.locator("#id_completed_month").input_value() == "3,210.50"
