"""Send the monthly reports' due and overdue reminders, for a daily scheduled run.

    manage.py send_reminders [--date YYYY-MM-DD]

Running it twice the same day sends nothing more (projects.reminders.send_reminders).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.reminders import OVERDUE, send_reminders


class Command(BaseCommand):
    help = "Send the monthly reports' due-soon and overdue reminders (in-app notifications and e-mails)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to run for, YYYY-MM-DD (default: today).")

    def handle(self, *args, **options):
        today = self._date(options["date"]) if options["date"] else timezone.localdate()
        run = send_reminders(today=today)
        for sent in run.sent:
            kind = _("已逾期") if sent.kind == OVERDUE else _("即将到期")
            line = _("%(user)s：%(period)s %(kind)s，%(count)s个项目") % {
                "user": sent.username, "period": sent.period, "kind": kind, "count": sent.count}
            self.stdout.write(line + (_("（已发邮件）") if sent.emailed else ""))
        summary = _("%(date)s：新发通知%(notifications)s条，邮件%(emails)s封；今天已发过、未重复发送%(skipped)s条。") % {
            "date": today.isoformat(), "notifications": run.notifications, "emails": run.emails,
            "skipped": run.already_sent}
        self.stdout.write(self.style.SUCCESS(summary))

    @staticmethod
    def _date(value: str) -> dt.date:
        try:
            return dt.datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError as exc:
            raise CommandError(_("日期“%(value)s”无效，请按YYYY-MM-DD填写，例如2025-07-08。") % {"value": value}) from exc
