"""Named queryset methods for the lists and reports of the projects app."""

from django.db import models


class DepartmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def towns_and_streets(self):
        from .choices import DepartmentKind

        return self.filter(kind__in=[DepartmentKind.TOWN, DepartmentKind.STREET])


class DepartmentManager(models.Manager.from_queryset(DepartmentQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class ProgrammeManager(models.Manager):
    def get_by_natural_key(self, year, level):
        return self.get(year=year, level=level)


class ProjectQuerySet(models.QuerySet):
    def for_list(self):
        """Everything a project list row shows, in a fixed number of queries."""
        return self.select_related("programme", "lead_department", "town").prefetch_related(
            "co_departments"
        )

    def report_facts(self):
        return self.exclude(source_quote="")

    def synthetic(self):
        return self.filter(is_synthetic=True)


class ProjectManager(models.Manager.from_queryset(ProjectQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class MilestoneQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("project", "project__programme", "project__lead_department")


class MonthlyReportQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related(
            "project",
            "project__programme",
            "project__lead_department",
            "submitted_by",
            "reviewed_by",
        )

    def for_period(self, year: int, month: int):
        return self.filter(year=year, month=month)
