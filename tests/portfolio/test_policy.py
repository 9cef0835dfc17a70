"""The core policy registry: deny by default, dispatch to the registered rules, Django's has_perm through
PolicyBackend, role groups without permissions; the review queue and the project update use case."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.urls import reverse

from indicators.models import Indicator
from portfolio import policy
from portfolio.policy import Action, Role
from projects import services
from projects.context_processors import navigation
from projects.models import Department, MonthlyReport, Project
from projects.selectors import reports_waiting_for
from tests.forms import form_data
from tests.helpers import database_state, etag_of, make_user, token_client

pytestmark = pytest.mark.django_db
ROLES = ["viewer", "editor", "coordinator", "administrator"]


# The registry ------------------------------------------------------------------------------------


def test_an_unregistered_model_is_refused_to_everyone_even_the_superuser(world, superuser):
    assert Session not in policy.registered_models()
    for user in [*world.users.values(), superuser]:
        assert policy.restrict(Session.objects.all(), user, Action.VIEW).query.is_empty()
        assert not policy.can(user, Action.VIEW, model=Session)
        assert policy.changeable_fields(user, Session) == frozenset()
        assert not user.has_perm("sessions.view_session") or user.is_superuser  # Django's own superuser rule


def test_every_feature_model_is_registered():
    from django.apps import apps

    for label in ("projects", "indicators"):
        for model in apps.get_app_config(label).get_models():
            assert policy.rules_for(model) is not policy.DENY, model


def test_the_questions_dispatch_to_the_model_s_rules(world, monkeypatch):
    calls = []

    class Spy(policy.Rules):
        def restrict(self, queryset, user, action):
            calls.append(("restrict", action))
            return queryset

        def can(self, user, action, obj, model):
            calls.append(("can", action))
            return action == Action.VIEW

        def changeable_fields(self, user, model):
            calls.append(("fields", None))
            return frozenset({"model"})

        def refusal(self, user, action, obj):
            return "因为测试"

    monkeypatch.setitem(policy._registry, ContentType, Spy())
    user = world.users["viewer"]
    assert policy.restrict(ContentType.objects.all(), user, "change").count() == ContentType.objects.count()
    assert policy.can(user, Action.VIEW, model=ContentType)
    assert not policy.can(user, Action.DELETE, model=ContentType)
    assert policy.changeable_fields(user, ContentType) == frozenset({"model"})
    assert policy.can_change_field(user, ContentType, "model")
    assert not policy.can_change_field(user, ContentType, "version")  # a system field, whatever the rules say
    assert policy.refusal(user, Action.CHANGE, ContentType.objects.first()) == "因为测试"
    assert calls[:3] == [("restrict", Action.CHANGE), ("can", Action.VIEW), ("can", Action.DELETE)]


def test_anonymous_and_inactive_users_get_nothing_whatever_the_rules(world):
    from django.contrib.auth.models import AnonymousUser

    inactive = world.users["coordinator"]
    inactive.is_active = False
    for user in (AnonymousUser(), inactive):
        if hasattr(user, "_portfolio_role"):
            del user._portfolio_role
        assert policy.role_of(user) is None
        assert not policy.can(user, Action.VIEW, model=Project)
        assert not policy.restrict(Project.objects.all(), user).exists()


def test_registering_other_rules_for_a_model_twice_is_an_error():
    with pytest.raises(ValueError):
        policy.register(Project, policy.Rules())


# Django's authorisation is the policy ---------------------------------------------------------------

PERMS = [
    "projects.view_project", "projects.change_project", "projects.add_project", "projects.delete_project",
    "projects.add_monthlyreport", "projects.change_departmentmembership", "projects.lock_periodlock",
    "indicators.view_indicator", "indicators.change_indicator", "auth.change_user", "auth.view_group",
    "portfolio.view_datasetload",
]
EXPECTED = {
    "viewer": {"projects.view_project", "indicators.view_indicator"},
    "editor": {"projects.view_project", "projects.change_project", "projects.add_monthlyreport",
               "indicators.view_indicator"},
    "coordinator": {"projects.view_project", "projects.change_project", "projects.add_project",
                    "projects.delete_project", "projects.add_monthlyreport", "projects.lock_periodlock",
                    "indicators.view_indicator", "indicators.change_indicator"},
    "administrator": set(PERMS),
}


@pytest.mark.parametrize("role", ROLES)
def test_has_perm_is_the_policy_s_answer_for_each_role(world, role):
    user = world.users[role]
    granted = {perm for perm in PERMS if user.has_perm(perm)}
    assert granted == EXPECTED[role]
    for perm in PERMS:
        app_label, codename = perm.split(".")
        action, model_name = codename.split("_", 1)
        from django.apps import apps

        assert user.has_perm(perm) == policy.can(user, action, model=apps.get_model(app_label, model_name))


def test_has_perm_with_an_object_gives_the_object_level_answer(world):
    editor, coordinator = world.users["editor"], world.users["coordinator"]
    own, other = world.projects["own"], world.projects["other"]
    assert editor.has_perm("projects.change_project", own)
    assert not editor.has_perm("projects.change_project", other)
    assert editor.has_perm("projects.view_project", other)
    assert coordinator.has_perm("projects.change_project", other)
    # Four eyes: the coordinator may approve another's submitted report, not one they submitted.
    submitted = world.submitted["other"]
    assert coordinator.has_perm("projects.approve_monthlyreport", submitted)
    submitted.submitted_by = coordinator
    submitted.save()
    assert not coordinator.has_perm("projects.approve_monthlyreport", submitted)
    # An object of another model than the permission names is no.
    assert not coordinator.has_perm("projects.change_project", world.milestones["own"])
    # Unknown permissions are no, not an error.
    assert not coordinator.has_perm("projects.fly_project")
    assert not coordinator.has_perm("nonsense")


@pytest.mark.parametrize("role, apps_seen", [
    ("viewer", {"projects", "indicators"}),
    ("editor", {"projects", "indicators"}),
    ("coordinator", {"projects", "indicators"}),
    ("administrator", {"projects", "indicators", "auth", "portfolio", "knox"}),
])
def test_has_module_perms_per_role(world, role, apps_seen):
    user = world.users[role]
    for app_label in ("projects", "indicators", "auth", "portfolio", "knox", "sessions", "notifications"):
        assert user.has_module_perms(app_label) == (app_label in apps_seen), app_label


def test_the_role_groups_carry_no_model_permissions(world):
    for role in Role:
        assert not Group.objects.get(name=str(role)).permissions.exists(), role


def test_the_permission_clearing_migration_empties_groups_made_by_the_old_migration():
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Permission

    migration = import_module("projects.migrations.0005_role_groups_without_permissions")
    group, _created = Group.objects.get_or_create(name=str(Role.EDITOR))
    group.permissions.set(Permission.objects.filter(codename="change_project"))
    migration.clear_group_permissions(apps, None)
    assert not group.permissions.exists()


# The navigation asks the policy ---------------------------------------------------------------------------


@pytest.mark.parametrize("role, fill, review, manage", [
    ("viewer", False, False, False),
    ("editor", True, False, False),
    ("coordinator", False, True, True),
    ("administrator", False, True, True),
])
def test_navigation_flags(world, rf, role, fill, review, manage):
    request = rf.get("/")
    request.user = world.users[role]
    nav = navigation(request)["nav"]
    assert (nav["can_fill"], nav["can_review"], nav["can_admin"]) == (fill, review, manage)
    assert nav["role"] == policy.role_of(world.users[role])


# The review queue is exactly what the user may approve ---------------------------------------------------


def test_a_coordinator_never_sees_a_report_they_created_or_contributed_to(world):
    coordinator = world.users["coordinator"]
    created, contributed, other = world.submitted["own"], world.submitted["other"], None
    created.created_by = coordinator
    created.save()
    contributed.contributors.add(coordinator)
    queue = set(reports_waiting_for(coordinator).values_list("pk", flat=True))
    assert created.pk not in queue and contributed.pk not in queue
    other = make_user("coordinator2", Role.COORDINATOR)
    assert {created.pk, contributed.pk} <= set(reports_waiting_for(other).values_list("pk", flat=True))
    assert queue == set(policy.restrict(MonthlyReport.objects.all(), coordinator, Action.APPROVE)
                        .values_list("pk", flat=True))


# project_update: one version, one history record, or nothing ------------------------------------------------


def counts(project):
    fresh = Project.objects.get(pk=project.pk)
    return fresh.version, fresh.history.count()


def test_a_no_op_page_save_changes_nothing(client, world):
    project = world.projects["own"]
    project.co_departments.set([world.projects["other"].lead_department])
    before = counts(project)
    client.force_login(world.users["coordinator"])
    url = reverse("projects:project_edit", args=[project.pk])
    page = client.get(url).content.decode()
    data = form_data(page[page.index('<form method="post" novalidate'):], "")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert counts(project) == before


def test_a_no_op_admin_save_changes_nothing(client, world):
    project = world.projects["own"]
    project.co_departments.set([world.projects["other"].lead_department])
    coordinator = world.users["coordinator"]
    coordinator.is_staff = True
    coordinator.save()
    before = counts(project)
    client.force_login(coordinator)
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = form_data(client.get(url).content.decode())
    response = client.post(url, data)
    assert response.status_code == 302
    assert counts(project) == before


def test_a_no_op_api_save_changes_nothing(world):
    project = world.projects["own"]
    department = world.projects["other"].lead_department
    project.co_departments.set([department])
    before = counts(project)
    client = token_client(world.users["coordinator"])
    url = reverse("api:project-detail", args=[project.pk])
    etag = etag_of(client, url)
    response = client.patch(url, {"name": project.name, "co_departments": [department.pk],
                                  "annual_plan": "1000.00"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert counts(project) == before


def test_fields_and_co_departments_change_in_one_version_and_one_history_record(world):
    project = world.projects["own"]
    version, history = counts(project)
    department = Department.objects.create(code="co-1", name="配合单位一", kind="bureau")
    services.project_update(
        project=Project.objects.get(pk=project.pk), data={"annual_plan": Decimal("1200")},
        co_departments=[department], acting_user=world.users["coordinator"], expected_version=version,
    )
    fresh = Project.objects.get(pk=project.pk)
    assert (fresh.version, fresh.history.count()) == (version + 1, history + 1)
    assert fresh.annual_plan == Decimal("1200") and list(fresh.co_departments.all()) == [department]


@pytest.mark.parametrize("path", ["page", "admin", "api"])
def test_fields_and_co_departments_through_each_interface_bump_the_version_once(client, world, path):
    project = world.projects["own"]
    version, history = counts(project)
    department = Department.objects.create(code="co-1", name="配合单位一", kind="bureau")
    coordinator = world.users["coordinator"]
    coordinator.is_staff = True
    coordinator.save()
    client.force_login(coordinator)
    if path == "api":
        url = reverse("api:project-detail", args=[project.pk])
        api = token_client(coordinator)
        response = api.patch(url, {"progress_summary": "主体封顶", "co_departments": [department.pk]}, format="json",
                             HTTP_IF_MATCH=etag_of(api, url))
        assert response.status_code == 200, response.content
    else:
        if path == "page":
            url = reverse("projects:project_edit", args=[project.pk])
            page = client.get(url).content.decode()
            data = form_data(page[page.index('<form method="post" novalidate'):], "")
        else:
            url = reverse("admin:projects_project_change", args=[project.pk])
            data = form_data(client.get(url).content.decode())
        data["progress_summary"] = ["主体封顶"]
        data["co_departments"] = [str(department.pk)]
        assert client.post(url, data).status_code == 302
    fresh = Project.objects.get(pk=project.pk)
    assert (fresh.version, fresh.history.count()) == (version + 1, history + 1)
    assert fresh.progress_summary == "主体封顶" and list(fresh.co_departments.all()) == [department]


def test_a_stale_version_is_refused_with_a_message_and_changes_nothing(client, world):
    project = world.projects["own"]
    state = database_state()
    with pytest.raises(services.ConflictError) as refused:
        services.project_update(
            project=Project.objects.get(pk=project.pk), data={"annual_plan": Decimal("1200")}, co_departments=[],
            acting_user=world.users["coordinator"], expected_version=project.version - 1,
        )
    assert refused.value.message
    assert database_state() == state
    # The page says so and keeps what was typed.
    client.force_login(world.users["coordinator"])
    url = reverse("projects:project_edit", args=[project.pk])
    page = client.get(url).content.decode()
    data = form_data(page[page.index('<form method="post" novalidate'):], "")
    data["version"] = [str(project.version - 1)]
    data["annual_plan"] = ["1200"]
    response = client.post(url, data)
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    assert database_state() == state


def test_a_refused_field_changes_nothing_even_with_an_allowed_one(world):
    project = world.projects["own"]
    state = database_state()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.project_update(
            project=Project.objects.get(pk=project.pk),
            data={"progress_summary": "主体封顶", "annual_plan": Decimal("1")},
            acting_user=world.users["editor"], expected_version=project.version,
        )
    with pytest.raises(PermissionDenied):
        services.project_update(
            project=Project.objects.get(pk=project.pk), data={"progress_summary": "主体封顶"},
            co_departments=[world.projects["other"].lead_department],
            acting_user=world.users["editor"], expected_version=project.version,
        )
    assert database_state() == state


def test_indicators_rules_read_for_all_and_change_for_reviewers(world):
    for role in ROLES:
        user = world.users[role]
        assert policy.can(user, Action.VIEW, world.indicator)
        assert policy.can(user, Action.CHANGE, world.indicator) == (role in ("coordinator", "administrator"))
        assert policy.restrict(Indicator.objects.all(), user, Action.DELETE).exists() == (
            role in ("coordinator", "administrator"))
