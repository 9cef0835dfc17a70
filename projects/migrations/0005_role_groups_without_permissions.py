"""The role groups lose the model permissions 0002 once gave them.

Nothing consulted them: what a role may do is decided by the policy (portfolio.policy, and Django's
has_perm through its PolicyBackend). Kept, they were a second copy of the policy that could drift
from it and say yes (ModelBackend) where the policy says no.
"""

from django.db import migrations

ROLE_GROUPS = ["系统管理员", "发改局统筹", "部门填报员", "查看"]


def clear_group_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLE_GROUPS):
        group.permissions.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_snapshot_attributes"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(clear_group_permissions, migrations.RunPython.noop)]
