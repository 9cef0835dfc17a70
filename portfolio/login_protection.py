"""django-axes' database handler with one limit per lockout combination.

AXES_LOCKOUT_PARAMETERS lists a username at an address and the address alone; axes compares every
combination with the one AXES_FAILURE_LIMIT. Here the address alone has its own, higher limit
(PORTFOLIO_ADDRESS_FAILURE_LIMIT): one office reaches the platform from one address, and its staff's
mistyped passwords must not lock it out as soon as one person's would.

A successful login clears the failures of that username at that address, not the address's others:
otherwise anyone with one valid account could clear the address's count between guesses at others.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum

ADDRESS = "ip_address"


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """The failures axes compares with AXES_FAILURE_LIMIT: those of the username at the address, or
        the limit itself once the address alone has reached its own limit."""
        limit = get_failure_limit(request, credentials)
        failures = 0
        parameters = get_lockout_parameters(request, credentials)
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if parameter == ADDRESS:
                if count >= settings.PORTFOLIO_ADDRESS_FAILURE_LIMIT:
                    # Read by the lockout page, which then names the address rather than the account.
                    request.axes_address_locked_out = True
                    failures = max(failures, limit)
            else:
                failures = max(failures, count)
        return failures

    def reset_user_attempts(self, request, credentials=None) -> int:
        parameters = get_lockout_parameters(request, credentials)
        count = 0
        for parameter, attempts in zip(parameters, self.filter_user_attempts(request, credentials), strict=True):
            if parameter != ADDRESS:
                count += attempts.delete()[0]
        return count
