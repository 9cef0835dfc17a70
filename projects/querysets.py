"""Named queryset methods for the lists and reports of the projects app."""

from django.db import models
from django.db.models import BooleanField, Case, F, Q, Value, When
from django.db.models.functions import Coalesce

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


# The programme a project is counted in and the plan its rate is computed against: the stored fact,
# or, for a report project whose report states neither, the sample generator's value kept apart
# (Project.sample_programme / sample_annual_plan). Every read that groups, filters or computes asks these.
COUNTED_PROGRAMME = Coalesce(F("programme"), F("sample_programme"))
COUNTED_PLAN = Coalesce(F("annual_plan"), F("sample_annual_plan"))
# The programme a monthly report's project is counted in, read from the report.
COUNTED_PROGRAMME_OF_REPORT = Coalesce(F("project__programme"), F("project__sample_programme"))
# Projects that show a sample value where their fact is empty (Project.sample_fields, in the database): the
# programme, the annual plan.
PROGRAMME_FROM_SAMPLE = Q(programme__isnull=True, sample_programme__isnull=False)
PLAN_FROM_SAMPLE = Q(annual_plan__isnull=True, sample_annual_plan__isnull=False)
SHOWS_SAMPLE_VALUES = PROGRAMME_FROM_SAMPLE | PLAN_FROM_SAMPLE
COUNTED_PROGRAMME_PATHS = {
    "programme": COUNTED_PROGRAMME,
    "programme__name": Coalesce(F("programme__name"), F("sample_programme__name")),
    "programme__level": Coalesce(F("programme__level"), F("sample_programme__level")),
}


def as_flag(condition: Q) -> Case:
    """``condition`` as a true/false column (both databases read it as a bool)."""
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def counted_in(programme, prefix: str = "") -> Q:
    """Projects counted in ``programme`` (a Programme or its pk), from the project or a related row."""
    return Q(**{f"{prefix}programme": programme}) | Q(
        **{f"{prefix}programme__isnull": True, f"{prefix}sample_programme": programme}
    )


def counted_in_year(year: int, prefix: str = "") -> Q:
    """Projects counted in one of ``year``'s programmes."""
    return Q(**{f"{prefix}programme__year": year}) | Q(
        **{f"{prefix}programme__isnull": True, f"{prefix}sample_programme__year": year}
    )


class ProjectQuerySet(models.QuerySet):
    def counted_in(self, programme):
        return self.filter(counted_in(programme))

    def counted_in_year(self, year: int):
        return self.filter(counted_in_year(year))


class ProjectManager(models.Manager.from_queryset(ProjectQuerySet)):
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
