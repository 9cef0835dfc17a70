"""Named queryset methods for the lists and reports of the projects app."""

from django.db import models

from .choices import DepartmentKind


class DepartmentQuerySet(models.QuerySet):
    def towns_and_streets(self):
        return self.filter(kind__in=[DepartmentKind.TOWN, DepartmentKind.STREET])


class DepartmentManager(models.Manager.from_queryset(DepartmentQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class ProgrammeManager(models.Manager):
    def get_by_natural_key(self, year, level):
        return self.get(year=year, level=level)


class ProjectManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class MonthlyReportQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related(
            "project",
            "project__programme",
            "project__lead_department",
            "submitted_by",
            "reviewed_by",
        )
