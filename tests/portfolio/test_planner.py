"""The commands that write many rows at once leave the planner's statistics fresh (PostgreSQL).

Autovacuum would gather them some time later, or never where it is off; until then the planner takes
a table just filled for empty and loops (tests/portfolio/test_backup.py checks the restore).
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from portfolio.planner import refresh_statistics
from projects.models import MonthlyReport, Project
from tests.portfolio.test_backup import planner_rows

pytestmark = pytest.mark.django_db


def test_generating_a_portfolio_gathers_the_statistics_of_what_it_wrote(report_data):
    call_command("generate_portfolio", projects=40, months=3, replace=True, stdout=io.StringIO())
    if connection.vendor == "postgresql":
        assert planner_rows(connection, "projects_project") == Project.objects.count() >= 40
        assert planner_rows(connection, "projects_monthlyreport") == MonthlyReport.objects.count() > 0
    else:
        assert planner_rows(connection, "projects_project") is None


def test_refreshing_names_the_tables_or_every_table():
    Project.objects.create(code="P1", name="项目一")
    ran = refresh_statistics([Project])
    assert ran == (connection.vendor == "postgresql")
    if ran:
        assert planner_rows(connection, "projects_project") == 1
        assert refresh_statistics() is True
