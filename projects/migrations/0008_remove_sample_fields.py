# The sample_fields list gives way to the sample fields (0007); its own migration, so that on
# PostgreSQL the column is dropped after the rows moved in 0007 were committed.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0007_sample_values_apart"),
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
