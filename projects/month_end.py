"""The month-end job (daily, on Celery beat): once the month just ended is past its due date and still
open, either close it (when nothing blocks it and PORTFOLIO_AUTO_CLOSE is on) or tell the coordinators
how many reports still keep it from closing. Each coordinator is told once a day at most."""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.services import in_every_language, notification_send
from portfolio.accounts import acting_user
from portfolio.periods import Period

from .closing import close_blockers, month_close
from .permissions import month_closed, month_closers

MONTH_END = "month_end"


def month_end_run(*, today: dt.date) -> dict:
    period = Period(today.year, today.month).preceding
    outcome = {"period": str(period), "action": "none", "blockers": 0, "notified": 0}
    if today <= period.due_date or month_closed(period.year, period.month):
        return outcome
    blockers = close_blockers(period.year, period.month)
    outcome["blockers"] = len(blockers)
    closer = acting_user(None)
    if not blockers and settings.PORTFOLIO_AUTO_CLOSE and closer is not None:
        snapshot = month_close(year=period.year, month=period.month, acting_user=closer)
        outcome.update(action="closed", version=snapshot.version)
    else:
        outcome["action"] = "reminded"
    url = reverse("projects:month", kwargs={"year": period.year, "month": period.month})
    title, body, others = in_every_language(lambda: _texts(outcome, period))
    for user in month_closers():
        delivery = notification_send(user=user, kind=MONTH_END, title=title, body=body, url=url,
                                     translations=others, key=f"{MONTH_END}:{period}:{today.isoformat()}")
        outcome["notified"] += delivery.created
    return outcome


def _texts(outcome: dict, period: Period) -> tuple[str, str]:
    values = {"year": period.year, "month": period.month, "n": outcome["blockers"], "due": period.due_date.isoformat()}
    if outcome["action"] == "closed":
        return (_("%(year)s年%(month)s月已自动关账") % values,
                _("%(year)s年%(month)s月的月报均已审核或免报，已按设置自动关账并冻结数据。") % values)
    if outcome["blockers"]:
        return (_("%(year)s年%(month)s月月报已过截止日期（%(due)s），还有%(n)s个项目未审核或未免报") % values,
                _("请在月份页面查看这些项目，审核月报或确认免报后关账。") % values)
    return (_("%(year)s年%(month)s月可以关账") % values,
            _("%(year)s年%(month)s月的月报均已审核或免报，请在月份页面关账。") % values)
