"""get_<field>_display() from labels built once per field says what Django's own says, in either language."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from portfolio.models import LabelledChoicesModel

CHOICE_FIELDS = [
    (model, field)
    for model in apps.get_models()
    if issubclass(model, LabelledChoicesModel)
    for field in model._meta.concrete_fields
    if field.choices
]


def test_the_portfolio_models_have_choice_fields():
    names = {f"{model.__name__}.{field.name}" for model, field in CHOICE_FIELDS}
    assert {"Project.status", "Project.category", "MonthlyReport.status", "Milestone.kind"} <= names


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("model", "field"), CHOICE_FIELDS, ids=lambda x: getattr(x, "name", getattr(x, "__name__", "")))
def test_every_value_and_an_unknown_one_read_as_django_reads_them(model, field, language):
    values = [value for value, _label in field.flatchoices] + ["not-a-choice", None, ""]
    with translation.override(language):
        for value in values:
            record = model(**{field.attname: value})
            shown = getattr(record, f"get_{field.name}_display")()
            assert shown == models.Model._get_FIELD_display(record, field), (field, value)
            assert type(shown) is type(models.Model._get_FIELD_display(record, field))


def test_a_label_follows_the_language_it_is_read_in():
    from projects.models import Project

    project = Project(status="implementation")
    with translation.override("zh-hans"):
        chinese = project.get_status_display()
    with translation.override("en"):
        english = project.get_status_display()
    assert chinese != english and chinese == "在建"
