"""Create the four role groups (their permissions are the policy's answer, not the groups')."""

from django.db import migrations


def create_role_groups(apps, schema_editor):
    from portfolio.policy import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("indicators", "0001_initial"),
        ("portfolio", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
