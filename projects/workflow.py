"""The monthly report's workflow as one table: which action moves a report from which states to which.

The policy (projects.permissions), the services, the admin actions, the API actions and the pages
all read this table; adding a state or an action is one edit here plus its labels.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import ReportStatus


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    label: str
    reviewer_only: bool  # only coordinators (and administrators) take it


S = ReportStatus
TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, _("提交审核"), reviewer_only=False),
    "withdraw": Transition(frozenset({S.SUBMITTED}), S.DRAFT, _("撤回"), reviewer_only=False),
    "approve": Transition(frozenset({S.SUBMITTED}), S.APPROVED, _("审核通过"), reviewer_only=True),
    "return": Transition(frozenset({S.SUBMITTED}), S.RETURNED, _("退回修改"), reviewer_only=True),
    "reopen": Transition(frozenset({S.APPROVED}), S.RETURNED, _("重新打开"), reviewer_only=True),
}

# A month without any report for a project (not a status a report can have; lists and counts use it).
MISSING = "missing"
# States in which the report's figures and texts may still be changed.
EDITABLE_STATES = frozenset({S.DRAFT, S.RETURNED})
# The state whose figures count in the leaders' figures (the approved basis) and in a month's close.
COUNTED_STATE = S.APPROVED
# States that count as "submitted for the month" (the department has done its part).
SUBMITTED_STATES = frozenset({S.SUBMITTED, S.APPROVED})


def allows(action: str, status: str) -> bool:
    return status in TRANSITIONS[action].sources
