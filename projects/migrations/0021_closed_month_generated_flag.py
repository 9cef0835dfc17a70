from django.db import migrations, models
from django.db.models import Exists, OuterRef


def store_generated(apps, schema_editor):
    """Whether each frozen project's figures rest on a generated report, for the months closed before: as
    closing._freeze stores it at a close (the reports of a closed month do not change while it is closed)."""
    MonthSnapshot = apps.get_model("projects", "MonthSnapshot")
    MonthlyReport = apps.get_model("projects", "MonthlyReport")
    SnapshotProject = apps.get_model("projects", "SnapshotProject")
    using = schema_editor.connection.alias
    for snapshot in MonthSnapshot.objects.using(using).order_by("pk"):
        SnapshotProject.objects.using(using).filter(snapshot=snapshot).update(generated=Exists(
            MonthlyReport.objects.using(using).filter(
                project=OuterRef("project"), year=snapshot.year, month__lte=snapshot.month, is_synthetic=True)))


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
        migrations.RunPython(store_generated, migrations.RunPython.noop),
    ]
