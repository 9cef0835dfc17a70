"""Create one demo account per role (demo/DEBUG setting only) and print their passwords."""

from django.core.management.base import BaseCommand, CommandError

from projects.demo import DemoDisabled, create_demo_accounts


class Command(BaseCommand):
    help = "Create the demo accounts (one per role); existing accounts are not changed."

    def handle(self, *args, **options):
        try:
            accounts = create_demo_accounts()
        except DemoDisabled as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Demo accounts (for demonstration only):")
        for account, department, is_new in accounts:
            where = f", {department.name}" if department else ""
            state = "created" if is_new else "exists"
            self.stdout.write(
                f"  {account.username:<12} password {account.password:<18} {account.role}{where} ({state})"
            )
