"""Stored amounts read the same in the admin and the pages: 1778000.0000 -> 1,778,000.00."""

from decimal import Decimal

import pytest

from projects.models import Programme, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(department):
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    return Project.objects.create(programme=programme, code="P-1", name="项目一", lead_department=department,
                                  annual_plan=Decimal("1778000.0000"), total_investment=Decimal("3210.5000"))


def test_the_admin_changelist_formats_money(client, superuser, project):
    client.force_login(superuser)
    page = client.get("/admin/projects/project/").content.decode()
    assert "1,778,000.00" in page and "1778000.0000" not in page


def test_the_admin_change_form_shows_and_takes_formatted_amounts(client, superuser, project):
    client.force_login(superuser)
    page = client.get(f"/admin/projects/project/{project.pk}/change/").content.decode()
    assert 'value="3,210.50"' in page and 'value="1,778,000.00"' in page
