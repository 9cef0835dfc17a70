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

    def by_code(self, code: str):
        """The programme of a code such as 2025-district (Programme.code), or None."""
        year, _sep, level = (code or "").partition("-")
        return self.filter(year=int(year), level=level).first() if year.isdigit() and level else None


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
