"""Every admin changelist, add and change page answers 200, and changelists run a fixed number of
queries whatever their row count."""

import datetime as dt
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from knox.models import AuthToken

from indicators.models import Indicator, Observation, Target
from portfolio.models import ApiToken, DatasetLoad
from projects.models import (
    Department,
    DepartmentMembership,
    Milestone,
    MonthlyReport,
    PeriodLock,
    Programme,
    ProgrammeSnapshot,
    Project,
)

pytestmark = pytest.mark.django_db


def _departments(n):
    return Department.objects.bulk_create(
        [Department(code=f"d{i:04d}", name=f"单位{i:04d}", kind="town" if i % 2 else "bureau") for i in range(n)]
    )


def _programmes(n):
    depts = _departments(2)
    return Programme.objects.bulk_create(
        [Programme(year=2000 + i, level="district", name=f"{2000 + i}年区重点项目", lead_department=depts[0])
         for i in range(n)]
    )


def _projects(n):
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    depts = _departments(3)
    projects = Project.objects.bulk_create(
        [Project(programme=programme, code=f"P{i:05d}", name=f"项目{i}", lead_department=depts[i % 2],
                 town=depts[1], annual_plan=Decimal(100 + i)) for i in range(n)]
    )
    for p in projects:
        p.co_departments.add(depts[2])
    return projects


def _milestones(n):
    projects = _projects(n)
    return Milestone.objects.bulk_create(
        [Milestone(project=p, kind="start", planned_date=dt.date(2025, 3, 1)) for p in projects]
    )


def _reports(n):
    projects = _projects(n)
    user = get_user_model().objects.create_user("filler")
    return MonthlyReport.objects.bulk_create(
        [MonthlyReport(project=p, year=2025, month=1, completed_month=Decimal(1), completed_ytd=Decimal(1),
                       submitted_by=user, reviewed_by=user) for p in projects]
    )


def _snapshots(n):
    programmes = _programmes(n)
    return ProgrammeSnapshot.objects.bulk_create(
        [ProgrammeSnapshot(programme=p, period_start=dt.date(p.year, 1, 1), period_end=dt.date(p.year, 6, 30),
                           project_count=1, completed_investment=Decimal(1), plan_ratio=Decimal("1.00"))
         for p in programmes]
    )


def _memberships(n):
    depts = _departments(2)
    users = get_user_model().objects.bulk_create([get_user_model()(username=f"u{i}") for i in range(n)])
    return DepartmentMembership.objects.bulk_create(
        [DepartmentMembership(user=u, department=depts[i % 2]) for i, u in enumerate(users)]
    )


def _indicators(n):
    return Indicator.objects.bulk_create([Indicator(code=f"i{i}", name=f"指标{i}", unit="亿元") for i in range(n)])


def _observations(n):
    indicator = _indicators(1)[0]
    return Observation.objects.bulk_create(
        [Observation(indicator=indicator, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 6, 30),
                     value=Decimal(i)) for i in range(n)]
    )


def _targets(n):
    indicator = _indicators(1)[0]
    return Target.objects.bulk_create([Target(indicator=indicator, year=2000 + i, value=Decimal(i)) for i in range(n)])


def _users(n):
    group, _created = Group.objects.get_or_create(name="测试组")
    users = get_user_model().objects.bulk_create([get_user_model()(username=f"user{i}") for i in range(n)])
    for u in users:
        u.groups.add(group)
    return users


def _groups(n):
    return Group.objects.bulk_create([Group(name=f"g{i}") for i in range(n)])


def _locks(n):
    user = get_user_model().objects.create_user("locker")
    return PeriodLock.objects.bulk_create(
        [PeriodLock(year=2000 + i // 12, month=i % 12 + 1, locked_by=user) for i in range(n)]
    )


def _tokens(n):
    users = get_user_model().objects.bulk_create([get_user_model()(username=f"api{i}") for i in range(n)])
    for u in users:
        AuthToken.objects.create(user=u)
    return list(ApiToken.objects.filter(user__in=users).order_by("-created"))


def _axes(model):
    def build(n):
        fields = {f.name for f in model._meta.get_fields()}
        extra = {"failures_since_start": 1} if "failures_since_start" in fields else {}
        if "get_data" in fields:
            extra.update(get_data="", post_data="")
        model.objects.bulk_create([
            model(username=f"u{i}", ip_address="127.0.0.1", user_agent="test", path_info="/login/", **extra)
            for i in range(n)
        ])
        return list(model.objects.order_by("pk"))
    return build


def _loads(n):
    return DatasetLoad.objects.bulk_create([DatasetLoad(name=f"set{i}", checksum="x") for i in range(n)])


BUILDERS = {
    Department: _departments,
    DepartmentMembership: _memberships,
    Programme: _programmes,
    ProgrammeSnapshot: _snapshots,
    Project: _projects,
    Milestone: _milestones,
    MonthlyReport: _reports,
    Indicator: _indicators,
    Observation: _observations,
    Target: _targets,
    get_user_model(): _users,
    Group: _groups,
    DatasetLoad: _loads,
    PeriodLock: _locks,
    ApiToken: _tokens,
    AccessAttempt: _axes(AccessAttempt),
    AccessLog: _axes(AccessLog),
    AccessFailureLog: _axes(AccessFailureLog),
}
MODELS = list(admin.site._registry)


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_registered_model_has_a_builder():
    assert set(MODELS) == set(BUILDERS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_add_and_change_pages_answer_200(client, superuser, model):
    objects = BUILDERS[model](3)
    client.force_login(superuser)
    assert client.get(url(model, "changelist")).status_code == 200
    assert client.get(url(model, "changelist"), {"q": "1"}).status_code == 200
    # Load records, login records and API tokens are written by the loader, django-axes and the token endpoint only.
    no_add = {DatasetLoad, AccessAttempt, AccessLog, AccessFailureLog, ApiToken}
    assert client.get(url(model, "add")).status_code == (403 if model in no_add else 200)
    assert client.get(url(model, "change", objects[0].pk)).status_code == 200
    if hasattr(model, "history"):
        assert client.get(url(model, "history", objects[0].pk)).status_code == 200


def _changelist_queries(client, superuser, model, n, count_queries):
    BUILDERS[model](n)
    client.force_login(superuser)
    with count_queries() as q:
        response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    return q


# Queries of each change list at any size: the session and the user, the count(s) and the page, plus
# what the list shows beside it (filters' choices, date hierarchy, related rows in one join).
CHANGELIST_QUERIES = {
    "axes.AccessAttempt": 8, "axes.AccessLog": 8, "axes.AccessFailureLog": 8, "portfolio.DatasetLoad": 5,
    "auth.User": 6, "auth.Group": 5, "portfolio.ApiToken": 5, "projects.Department": 5,
    "projects.DepartmentMembership": 5, "projects.Programme": 6, "projects.ProgrammeSnapshot": 8,
    "projects.Project": 6, "projects.Milestone": 7, "projects.MonthlyReport": 8, "projects.PeriodLock": 6,
    "indicators.Indicator": 5, "indicators.Observation": 7, "indicators.Target": 6,
}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_query_count_is_pinned_at_10_and_200_rows(client, superuser, model, count_queries):
    small = _changelist_queries(client, superuser, model, 10, count_queries)
    small.assert_count(CHANGELIST_QUERIES[model._meta.label], "10 rows")
    for m in reversed(list(BUILDERS)):
        m.objects.exclude(pk=superuser.pk).delete() if m is get_user_model() else m.objects.all().delete()
    large = _changelist_queries(client, superuser, model, 200, count_queries)
    large.assert_count(CHANGELIST_QUERIES[model._meta.label], "200 rows")
