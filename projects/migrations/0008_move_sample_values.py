# The values the generator had written into report projects' facts move to the sample fields; in
# its own migration (its own transaction), so that on PostgreSQL no schema change follows the row
# updates in the same transaction, forwards or backwards.

from django.db import migrations, models


def move_apart(apps, schema_editor):
    """The values the generator had written into a report project's facts move to the sample fields,
    in its history rows too (else the next change would read as someone emptying them)."""
    for model in ("Project", "HistoricalProject"):
        _move_apart(apps.get_model("projects", model))


def _move_apart(model):
    for project in model.objects.exclude(sample_fields=[]):
        filled = set(project.sample_fields or [])
        if "programme" in filled:
            project.sample_programme_id, project.programme_id = project.programme_id, None
        if "annual_plan" in filled:
            project.sample_annual_plan, project.annual_plan = project.annual_plan, None
        if "lead_department" in filled:  # earlier generators invented one; it is not kept
            project.lead_department_id = None
        project.save(update_fields=["programme", "sample_programme", "annual_plan", "sample_annual_plan",
                                    "lead_department"])


def move_back(apps, schema_editor):
    for model in ("Project", "HistoricalProject"):
        _move_back(apps.get_model("projects", model))


def _move_back(model):
    for project in model.objects.filter(
        models.Q(sample_programme__isnull=False) | models.Q(sample_annual_plan__isnull=False)
    ):
        filled = []
        if project.programme_id is None and project.sample_programme_id is not None:
            project.programme_id = project.sample_programme_id
            filled.append("programme")
        if project.annual_plan is None and project.sample_annual_plan is not None:
            project.annual_plan = project.sample_annual_plan
            filled.append("annual_plan")
        project.sample_fields = filled
        project.save(update_fields=["programme", "annual_plan", "sample_fields"])


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0007_sample_values_apart"),
    ]

    operations = [
        migrations.RunPython(move_apart, move_back),
    ]
