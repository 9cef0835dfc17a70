"""The indicators app's rules: everyone signed in reads indicators, observations and targets; coordinators
and administrators change them. Registered in the core registry (portfolio.policy) by IndicatorsConfig."""

from django.apps import apps

from portfolio import policy
from portfolio.policy import Action

# The actions on an indicator's records: there is no workflow and no closed month here.
WRITES = (Action.ADD, Action.CHANGE, Action.DELETE)


class IndicatorRules(policy.Rules):
    def can(self, user, action, obj, model):
        if action == Action.VIEW:
            return policy.role_of(user) is not None
        return action in WRITES and policy.is_reviewer(user)

    def restrict(self, queryset, user, action):
        return queryset if self.can(user, action, None, queryset.model) else queryset.none()

    def changeable_fields(self, user, model):
        return None if policy.is_reviewer(user) else frozenset()


RULES = IndicatorRules()


def register_rules() -> None:
    """Called from IndicatorsConfig.ready: the indicators' records answer by RULES, their history tables
    are the administrator's."""
    from .models import Indicator, Observation, Target

    for model in apps.get_app_config("indicators").get_models():
        policy.register(model, RULES if model in (Indicator, Observation, Target) else policy.ADMINISTRATOR_ONLY)
