"""The progress report's structure: what every format (page, PDF, Excel, Word, API JSON) shows.

Plain dataclasses; projects.reports.builders fills them from projects.figures and
projects.selectors, the narrative drafts its paragraphs from them, and the renderers print them.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Generic, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _

from portfolio.periods import Period
from portfolio.text import semicolon
from projects.figures import Breakdown, Figures, MonthPoint, ProgrammeFigures, ReconciliationRow
from projects.progress import RED, YELLOW
from projects.selectors import ReportingStatus

T = TypeVar("T")


def sample_mark(has_sample_data: bool) -> str:
    """The words on every page of a document with sample data (reports and letters, PDF and Word)."""
    return _("含样例数据，非真实数据") if has_sample_data else ""


@dataclass(frozen=True)
class WarningRow:
    colour: str
    colour_label: str
    code: str
    name: str
    programme: str
    department: str
    rate: Decimal | None
    behind: Decimal | None  # points behind 序时进度 when the rate is behind
    max_overdue_months: int
    reasons: list[str]
    rule_version: str
    is_sample: bool = False  # the row shows generated values (a sample project, or a report project's sample figures)

    @property
    def reason_text(self) -> str:
        return semicolon().join(self.reasons)


@dataclass(frozen=True)
class MilestoneRow:
    code: str
    project: str
    department: str
    kind: str
    kind_label: str
    planned_date: dt.date | None
    planned_text: str
    planned_exact: bool  # known to the day
    actual_date: dt.date | None
    actual_text: str
    actual_exact: bool
    months_overdue: int | None
    note: str
    is_sample: bool = False  # a generated milestone, or a report project's generated department

    @property
    def planned_cell(self) -> dt.date | str | None:
        """The date itself when known to the day, else how precisely it is known (2025年上半年)."""
        return self.planned_date if self.planned_exact else self.planned_text

    @property
    def actual_cell(self) -> dt.date | str | None:
        return self.actual_date if self.actual_exact else self.actual_text


@dataclass(frozen=True)
class IssueRow:
    code: str
    project: str
    department: str
    problems: str
    coordination_requests: str
    is_sample: bool = False  # the texts of a generated monthly report, or a report project's generated department


@dataclass(frozen=True)
class ProjectRow:
    """One line of the appendix: every project of the report."""

    code: str
    name: str
    programme: str
    department: str
    town: str
    category: str
    status: str
    total_investment: Decimal | None  # 万元
    annual_plan: Decimal | None  # 万元
    completed_month: Decimal | None  # 万元
    completed_ytd: Decimal  # 万元
    rate: Decimal | None
    colour: str
    colour_label: str
    report_status: str
    progress: str
    is_synthetic: bool
    # The row's fields whose values the sample generator made: every field of a sample project; of a
    # report project, what the report does not state and the generator filled in (its programme,
    # department or plan, and the figures of generated monthly reports). Every output marks them.
    sample_fields: tuple[str, ...] = ()

    def is_sample(self, name: str) -> bool:
        return name in self.sample_fields


@dataclass(frozen=True)
class LetterRow:
    """A supervision letter issued on the period's warnings, as the warning section lists it."""

    reference: str
    kind_label: str
    department: str
    project_count: int
    issued_on: dt.date | None
    response_due: dt.date
    state_label: str


@dataclass(frozen=True)
class ListPage:
    """How much of the report's per-project lists to show: all of them (``size`` None: the files), or the
    appendix's page ``number`` of ``size`` rows and the first ``size`` rows of the warning, milestone and
    issue lists (the page and the API, whose files carry the whole lists)."""

    number: int = 1
    size: int | None = None
    # Whole, the per-project lists read from the database as they are written (``StreamedRows``).
    streamed: bool = False

    @property
    def whole(self) -> bool:
        return self.size is None

    def within(self, count: int) -> "ListPage":
        """This page, or the last one when it asks for a page past the end of ``count`` rows."""
        if self.whole:
            return self
        return ListPage(min(max(self.number, 1), -(-count // self.size) or 1), self.size)


WHOLE = ListPage()
# The lists whole and streamed: the appendix, the warnings, the milestones and the issues (a province's 100,000
# projects, 40,000 warnings and as many milestones).
STREAMED = ListPage(streamed=True)
# The per-project lists of a report, in the order a file writes their sheets: a streamed report's are
# ``StreamedRows`` (the issues a list when the month has none).
PER_PROJECT_LISTS = ("warnings", "milestones_reached", "milestones_overdue", "issues", "projects")


def whole_lists(fmt: str) -> ListPage:
    """The lists of a file in ``fmt``: the Excel workbook writes each row as it is read, so its per-project
    lists are streamed and a report of any scope is written in bounded memory; the PDF and Word documents lay
    out the whole of them at once."""
    return STREAMED if fmt == "xlsx" else WHOLE


class StreamedRows(Generic[T]):
    """A per-project list of a streamed report (``STREAMED``): read from the database, a chunk at a time, each
    time it is iterated, never held whole. Its length is the number the report counted of it (``ListTotals``).
    Close the iterator when done with it, also on a failure: the database cursor closes with it."""

    def __init__(self, read: Callable[[], Iterator[T]], count: int):
        self._read, self._count = read, count

    def __iter__(self) -> Iterator[T]:
        return self._read()

    def __len__(self) -> int:
        return self._count

    def watched(self, on_rows: Callable[[int], None], every: int) -> "StreamedRows[T]":
        """The same list, ``on_rows`` told how many rows are read, ``every`` rows (a job's progress)."""

        def read() -> Iterator[T]:
            with closing(iter(self)) as rows:
                while chunk := list(islice(rows, every)):
                    on_rows(len(chunk))
                    yield from chunk

        return StreamedRows(read, self._count)


@dataclass(frozen=True)
class ListTotals:
    """What the report's per-project lists hold in all, counted in the database whether the report lists
    them whole or in part: the narrative's figures and the lists' headings read these."""

    projects: int
    warnings: int  # red and yellow
    red_far_behind: int  # red, the rate more than red_behind_points behind 序时进度
    red_overdue: int  # red, a milestone overdue more than red_overdue_months
    milestones_reached: int
    milestones_reached_by_kind: dict  # kind -> count
    milestones_overdue: int
    milestones_long_overdue: int  # overdue more than red_overdue_months
    issues: int  # projects whose report for the month states a problem or a request
    issues_with_problems: int
    issues_with_requests: int
    common_problems: list  # [(text, projects)], most first, at most narrative.TOP


@dataclass
class ProgressReport:
    title: str
    period: Period
    period_label: str
    generated_at: dt.datetime
    scope: list[tuple[str, str]]
    rule_version: str
    rules: dict
    totals: Figures
    programmes: list[ProgrammeFigures]
    breakdowns: list[Breakdown]
    warnings: list[WarningRow] | StreamedRows[WarningRow]
    warning_counts: dict[str, int]
    milestones_reached: list[MilestoneRow] | StreamedRows[MilestoneRow]
    milestones_overdue: list[MilestoneRow] | StreamedRows[MilestoneRow]
    issues: list[IssueRow] | StreamedRows[IssueRow]
    reconciliation: list[ReconciliationRow]
    months: list[MonthPoint]
    projects: list[ProjectRow] | StreamedRows[ProjectRow]
    unapproved_reports: int  # projects whose report for the month is missing or not yet approved
    has_sample_data: bool
    basis: str  # which reports the figures count (projects.selectors.Basis)
    basis_statement: str  # the same in words, printed with the figures
    snapshot_version: int | None  # the frozen version of a closed month the figures come from
    completeness: ReportingStatus
    listed: ListTotals
    page: ListPage = WHOLE
    narrative: list[str] = field(default_factory=list)
    # Month by month for each programme apart (by programme pk), when the report has several.
    programme_months: dict = field(default_factory=dict)
    # With PORTFOLIO_ADD_PROGRAMMES: the names of projects listed in more than one programme.
    in_several_programmes: list[str] = field(default_factory=list)
    # The 督办函 and 提醒函 issued on this period's warnings to the report's departments.
    letters: list[LetterRow] = field(default_factory=list)

    @property
    def programmes_added(self) -> bool:
        """Whether the report adds its programmes together (a 合计 row, one paragraph and one chart
        over all): only when it has several and the bureau's setting says it does so."""
        return len(self.programmes) > 1 and settings.PORTFOLIO_ADD_PROGRAMMES

    @property
    def programmes_apart(self) -> list:
        """(programme, its months) for each programme when they are shown apart; empty otherwise."""
        if len(self.programmes) < 2 or self.programmes_added:
            return []
        return [(p, self.programme_months.get(p.pk, [])) for p in self.programmes]

    @property
    def issuing_unit(self) -> str:
        return settings.PORTFOLIO_ISSUING_UNIT

    @property
    def time_elapsed(self) -> Decimal:
        return self.period.time_elapsed

    @property
    def sample_mark(self) -> str:
        """The words at the foot of every page of a report with sample data (PDF and Word)."""
        return sample_mark(self.has_sample_data)

    @property
    def red(self) -> list[WarningRow]:
        return [w for w in self.warnings if w.colour == RED]

    @property
    def yellow(self) -> list[WarningRow]:
        return [w for w in self.warnings if w.colour == YELLOW]

    @property
    def appendix_pages(self) -> int:
        """How many pages the appendix has at the report's page size (1 when it is listed whole)."""
        if self.page.whole or not self.listed.projects:
            return 1
        return -(-self.listed.projects // self.page.size)

    @property
    def lists_cut(self) -> bool:
        """Whether a list shows fewer rows than it holds (a page of the report; its files have them all)."""
        return (len(self.warnings) < self.listed.warnings or len(self.milestones_reached) < self.listed.milestones_reached
                or len(self.milestones_overdue) < self.listed.milestones_overdue or len(self.issues) < self.listed.issues
                or len(self.projects) < self.listed.projects)

    def appendix_groups(self) -> list[tuple[str, int, list[ProjectRow]]]:
        """The appendix's rows by programme, in order, each with the programme's number of projects in
        the report (more than its rows here when the appendix is listed a page at a time)."""
        counts = {p.name: p.figures.count for p in self.programmes}
        groups: list[tuple[str, int, list[ProjectRow]]] = []
        for row in self.projects:
            if not groups or groups[-1][0] != row.programme:
                groups.append((row.programme, counts.get(row.programme, 0), []))
            groups[-1][2].append(row)
        return [(name, max(total, len(rows)), rows) for name, total, rows in groups]

    def breakdown(self, key: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.key == key)


