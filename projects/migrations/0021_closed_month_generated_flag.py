from django.db import migrations, models
from django.db.models import Exists, OuterRef


def store_generated(apps, schema_editor):
    """For the months closed before: whether each frozen report was generated, and whether each frozen
    project's figures rest on a generated report of the year up to the month. Read from the reports as
    they are now, which is what a closed month's pages read until this migration (a close after it stores
    them as they are at the close)."""
    MonthSnapshot = apps.get_model("projects", "MonthSnapshot")
    MonthlyReport = apps.get_model("projects", "MonthlyReport")
    SnapshotProject = apps.get_model("projects", "SnapshotProject")
    SnapshotReport = apps.get_model("projects", "SnapshotReport")
    using = schema_editor.connection.alias
    generated = MonthlyReport.objects.using(using).filter(is_synthetic=True)
    for snapshot in MonthSnapshot.objects.using(using).order_by("pk"):
        SnapshotReport.objects.using(using).filter(snapshot=snapshot).update(is_synthetic=Exists(
            generated.filter(project=OuterRef("project"), year=OuterRef("year"), month=OuterRef("month"))))
        SnapshotProject.objects.using(using).filter(snapshot=snapshot).update(generated=Exists(
            generated.filter(project=OuterRef("project"), year=snapshot.year, month__lte=snapshot.month)))


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0020_closed_month_stored_figures'),
    ]

    operations = [
        migrations.AddField(
            model_name='snapshotproject',
            name='generated',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='snapshotreport',
            name='is_synthetic',
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(store_generated, migrations.RunPython.noop),
    ]
