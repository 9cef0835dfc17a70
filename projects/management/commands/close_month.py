"""Close a month (关账) from the command line: the same service as the month page.

    manage.py close_month --year 2025 --month 6 [--waive-missing REASON] [--user USERNAME]

Blocked while any expected report is neither approved nor waived: the blockers are printed and the
command exits non-zero. Closed: prints the version of the frozen snapshot.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portfolio.accounts import acting_user
from projects import closing
from projects.services import WorkflowError


class Command(BaseCommand):
    help = "Close a month and freeze its figures; refused, with the blocking reports listed, until all are approved or waived."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, required=True, choices=range(1, 13), metavar="1-12")
        parser.add_argument("--waive-missing", dest="waive_missing", default=None,
                            help="Waive every project without any report, with this reason.")
        parser.add_argument("--user", help="Who closes the month (a coordinator; default: the first superuser).")

    def handle(self, *args, **options):
        user = self._user(options["user"])
        year, month = options["year"], options["month"]
        try:
            snapshot = closing.month_close(year=year, month=month, acting_user=user,
                                           waive_missing=options["waive_missing"])
        except closing.CloseBlocked as exc:
            for b in exc.blockers:
                self.stdout.write(_("%(code)s %(name)s（%(department)s）：%(state)s") % {
                    "code": b.code, "name": b.name, "department": b.department, "state": b.state_label})
            raise CommandError(exc.message) from None
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        except (WorkflowError, PermissionDenied) as exc:
            raise CommandError(getattr(exc, "message", None) or str(exc)) from None
        self.stdout.write(self.style.SUCCESS(_("%(y)s年%(m)s月已关闭，生成第%(v)s版关账数据。") % {
            "y": year, "m": month, "v": snapshot.version}))

    @staticmethod
    def _user(username):
        user = acting_user(username)
        if user is None:
            raise CommandError(_("找不到执行关账的用户%(u)s。") % {"u": username or ""})
        return user
