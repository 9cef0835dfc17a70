"""The indicators' admin pages per role, from the shared table of expected permissions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator, Observation, Target
from portfolio.policy import Role
from tests.expectations import ROLES, is_allowed
from tests.helpers import make_user

pytestmark = pytest.mark.django_db

ROLE_OF = {"viewer": Role.VIEWER, "editor": Role.EDITOR, "coordinator": Role.COORDINATOR,
           "administrator": Role.ADMINISTRATOR}


@pytest.fixture
def figures():
    gdp = Indicator.objects.create(code="gdp", name="地区生产总值", unit="亿元")
    observation = Observation.objects.create(indicator=gdp, period_start=dt.date(2025, 1, 1),
                                             period_end=dt.date(2025, 6, 30), value=Decimal("1532.8"))
    target = Target.objects.create(indicator=gdp, year=2025, value=Decimal("3000"))
    return {"indicator": gdp, "observation": observation, "target": target}


def url(obj_or_model, view, *args):
    meta = obj_or_model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("subject", ["indicator", "observation", "target"])
def test_every_role_reads_and_only_reviewers_add_or_change(client, figures, subject, role):
    client.force_login(make_user(role, ROLE_OF[role], is_staff=True))
    obj = figures[subject]
    assert client.get(url(obj, "changelist")).status_code == 200
    page = client.get(url(obj, "change", obj.pk))
    assert page.status_code == 200
    may_change = is_allowed((subject, "change"), role)
    # A reader gets the page without a save button: Django's view-only change page.
    assert ('name="_save"' in page.content.decode()) == may_change
    add_key = (subject, "add") if subject != "target" else ("target", "change")
    assert client.get(url(obj, "add")).status_code == (200 if is_allowed(add_key, role) else 403)


@pytest.mark.parametrize("role", ROLES)
def test_a_target_is_deleted_only_by_reviewers(client, figures, role):
    client.force_login(make_user(role, ROLE_OF[role], is_staff=True))
    target = figures["target"]
    response = client.post(url(target, "delete", target.pk), {"post": "yes"})
    allowed = is_allowed(("target", "delete"), role)
    assert response.status_code == (302 if allowed else 403)
    assert Target.objects.filter(pk=target.pk).exists() is not allowed


def test_an_observation_changed_in_the_admin_keeps_the_rule_and_the_user(client, figures):
    coordinator = make_user("coordinator", Role.COORDINATOR, is_staff=True)
    client.force_login(coordinator)
    obs = figures["observation"]
    from tests.forms import form_data

    change = url(obs, "change", obs.pk)
    data = form_data(client.get(change).content.decode())
    data["period_start"] = ["2025-07-01"]  # after its end
    response = client.post(change, data)
    assert response.status_code == 200  # the form again, with the error
    assert Observation.objects.get(pk=obs.pk).period_start == dt.date(2025, 1, 1)
    data["period_start"] = ["2025-04-01"]
    data["value"] = ["1533"]
    assert client.post(change, data).status_code == 302
    obs.refresh_from_db()
    assert (obs.period_start, obs.value) == (dt.date(2025, 4, 1), Decimal("1533"))
    assert obs.history.latest().history_user == coordinator
