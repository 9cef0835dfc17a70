"""Demo accounts, one per role, for the demo/DEBUG setting only."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.db.models import Count

from portfolio.policy import Role, sync_role_groups
from projects.models import Department, DepartmentMembership


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    superuser: bool = False
    department_rank: int | None = None  # editors: the Nth department by number of led projects


DEMO_ACCOUNTS = [
    DemoAccount("admin", "demo-admin-2025", Role.ADMINISTRATOR, superuser=True),
    DemoAccount("coordinator", "demo-coord-2025", Role.COORDINATOR),
    DemoAccount("editor", "demo-editor-2025", Role.EDITOR, department_rank=0),
    DemoAccount("editor2", "demo-editor-2025", Role.EDITOR, department_rank=1),
    DemoAccount("viewer", "demo-viewer-2025", Role.VIEWER),
]


class DemoDisabled(Exception):
    pass


@transaction.atomic
def create_demo_accounts() -> list[tuple[DemoAccount, Department | None, bool]]:
    """Create the demo accounts that do not exist yet; existing accounts are left as they are."""
    if not settings.DEMO:
        raise DemoDisabled("Demo accounts are only created when DEMO (or DEBUG) is on.")
    sync_role_groups()  # the role groups a migration made, in case a database was emptied since
    User = get_user_model()
    departments = list(
        Department.objects.annotate(n=Count("projects_led")).filter(n__gt=0).order_by("-n", "code")[:2]
    ) or list(Department.objects.order_by("code")[:2])
    created = []
    for account in DEMO_ACCOUNTS:
        user, is_new = User.objects.get_or_create(
            username=account.username,
            defaults={"is_staff": True, "is_superuser": account.superuser},
        )
        department = None
        if is_new:
            user.set_password(account.password)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=str(account.role)))
            if account.department_rank is not None and len(departments) > account.department_rank:
                department = departments[account.department_rank]
                DepartmentMembership.objects.create(user=user, department=department)
        else:
            membership = DepartmentMembership.objects.filter(user=user).select_related("department").first()
            department = membership.department if membership else None
        created.append((account, department, is_new))
    return created


DEMO_PASSWORDS = frozenset(account.password for account in DEMO_ACCOUNTS)


class DemoPasswordGuard:
    """Outside the demo (DEMO off, as with DEBUG off) nobody signs in with a demo password, whatever
    the account: the pages, the admin and the API token endpoint all authenticate through here. The
    refusal is a PermissionDenied, which stops Django trying the other backends (and counts as a failed
    login for django-axes). It has no get_user: it never holds a session."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.DEMO and password in DEMO_PASSWORDS:
            raise PermissionDenied("demo password outside the demo")
        return None


@checks.register(checks.Tags.database, deploy=True)
def check_demo_accounts(app_configs=None, databases=None, **kwargs):
    """Outside the demo, an account that still has its demo password is named (it cannot sign in, but
    its password is printed in the README: it should be changed or the account removed)."""
    if settings.DEMO or not databases or "default" not in databases:
        return []
    User = get_user_model()
    try:
        users = list(User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS], is_active=True))
    except DatabaseError:
        return []  # not migrated yet: nothing to name
    passwords = {account.username: account.password for account in DEMO_ACCOUNTS}
    named = sorted(user.username for user in users if user.check_password(passwords[user.username]))
    if not named:
        return []
    return [checks.Error(
        f"Demo accounts with their published passwords exist: {', '.join(named)}. With DEMO off they cannot "
        "sign in.",
        hint="Delete them or set new passwords (manage.py changepassword NAME); create the first administrator "
             "with manage.py createsuperuser.",
        id="projects.E020",
    )]
