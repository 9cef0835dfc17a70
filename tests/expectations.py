"""Who may do what: the one table of expected permissions that every interface's matrix asks.

Written out from the policy as the README states it, by hand and on purpose without importing the policy code
(projects.permissions): a matrix that computed its expectations from the code under test would
agree with any bug. The service layer, the API, the admin and the pages each send their own
requests (tests/projects/test_permissions.py, tests/api/test_matrix.py, tests/test_admin_permissions.py,
tests/projects/test_views.py) and look their expected answer up here, so a change of policy is
one edit of this table, and the four interfaces cannot drift apart.

Keys are (subject, action). A subject is a model, with the state of a monthly report where it
matters ("report:draft", "report:submitted", "report:approved"); "month" is the closing of a month.
Actions: view, add, change (or change:<fields> where roles differ by field), delete, and the
workflow's submit, approve, return, reopen, close. Values are the roles allowed on an object of
their own department ("own": the editor's department leads the project) and on another's.
"""

ROLES = ("viewer", "editor", "coordinator", "administrator")
SIDES = ("own", "other")

ALL = frozenset(ROLES)
NOBODY = frozenset()
REVIEWERS = frozenset({"coordinator", "administrator"})  # the bureau's coordinators and the administrators
EDITOR_ON_OWN = REVIEWERS | {"editor"}

# (subject, action) -> (roles allowed on their own department's object, roles allowed on another's)
EXPECTED: dict[tuple[str, str], tuple[frozenset, frozenset]] = {
    # Everyone with a role reads everything (PORTFOLIO_EDITOR_SEES_ALL_PROJECTS is on by default).
    **{(subject, "view"): (ALL, ALL) for subject in (
        "department", "programme", "project", "milestone", "report", "indicator", "observation", "target",
        "month")},
    # The plan (programmes, projects, their departments and dates) is the bureau's.
    ("department", "add"): (REVIEWERS, REVIEWERS),
    ("department", "change"): (REVIEWERS, REVIEWERS),
    ("programme", "add"): (REVIEWERS, REVIEWERS),
    ("programme", "change"): (REVIEWERS, REVIEWERS),
    ("project", "add"): (REVIEWERS, REVIEWERS),
    ("project", "change:progress"): (EDITOR_ON_OWN, REVIEWERS),  # progress_summary, h2_plan
    ("project", "change:plan"): (REVIEWERS, REVIEWERS),  # annual_plan, total_investment
    ("project", "change:department"): (REVIEWERS, REVIEWERS),  # lead department
    ("project", "change:co_departments"): (REVIEWERS, REVIEWERS),
    ("project", "delete"): (REVIEWERS, REVIEWERS),
    ("milestone", "add"): (REVIEWERS, REVIEWERS),
    ("milestone", "change:actual"): (EDITOR_ON_OWN, REVIEWERS),  # what happened: actual date, note
    ("milestone", "change:planned"): (REVIEWERS, REVIEWERS),  # the plan: planned date
    ("milestone", "delete"): (REVIEWERS, REVIEWERS),
    # Monthly reports: the lead department's editor fills and submits; reviewers do everything
    # except approve what they entered themselves (a separate rule, tested on its own).
    ("report", "add"): (EDITOR_ON_OWN, REVIEWERS),
    ("report:draft", "change"): (EDITOR_ON_OWN, REVIEWERS),
    ("report:draft", "delete"): (REVIEWERS, REVIEWERS),
    ("report:draft", "submit"): (EDITOR_ON_OWN, REVIEWERS),
    ("report:submitted", "approve"): (REVIEWERS, REVIEWERS),
    ("report:submitted", "return"): (REVIEWERS, REVIEWERS),
    ("report:approved", "change"): (NOBODY, NOBODY),  # reopened first, by a reviewer
    ("report:approved", "reopen"): (REVIEWERS, REVIEWERS),
    ("month", "close"): (REVIEWERS, REVIEWERS),
    # Indicators are the bureau's figures.
    ("indicator", "add"): (REVIEWERS, REVIEWERS),
    ("indicator", "change"): (REVIEWERS, REVIEWERS),
    ("observation", "add"): (REVIEWERS, REVIEWERS),
    ("observation", "change"): (REVIEWERS, REVIEWERS),
    ("target", "change"): (REVIEWERS, REVIEWERS),
    ("target", "delete"): (REVIEWERS, REVIEWERS),
}


def is_allowed(key: tuple[str, str], role: str, side: str = "own") -> bool:
    own, other = EXPECTED[key]
    return role in (own if side == "own" else other)


def anywhere(key: tuple[str, str]) -> frozenset:
    """Roles allowed on some object: what a page that is not about one object (a queue, a sheet) shows to."""
    own, other = EXPECTED[key]
    return own | other


def cells(names: dict[str, tuple[str, str]]) -> list[tuple[str, str, str, bool]]:
    """(name, role, side, allowed) for each interface operation name mapped to its table key."""
    return [(name, role, side, is_allowed(key, role, side)) for name, key in names.items()
            for role in ROLES for side in SIDES]


def cell_id(name, role, side, ok) -> str:
    return f"{name}-{role}-{side}-{'allowed' if ok else 'refused'}"
