# The sample_fields list gives way to the sample fields (0007, 0008); its own migration, so that on
# PostgreSQL the column is dropped after the rows moved in 0008 were committed.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0008_move_sample_values"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='historicalproject',
            name='sample_fields',
        ),
        migrations.RemoveField(
            model_name='project',
            name='sample_fields',
        ),
    ]
