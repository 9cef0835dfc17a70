"""The itemised sample portfolio: generated projects whose totals reconcile with the report.

The report publishes only programme aggregates (336 projects, 590 亿元, 54.66%). This generator
itemises each programme into its declared number of projects, deterministically from a seed,
so that the sum of the projects' year-to-date completed investment at the snapshot month equals
the published figure to the 万元 and the completion rate rounds to the published rate.

The report's named projects come first: their facts (name, status, milestones, quotes) stay as
the report states them, and what the report leaves out stays empty (待补充). The figures the
sample's totals need, the programme a named project is counted in and its annual plan, are kept
apart in ``Project.sample_programme`` and ``sample_annual_plan``; no department is invented.
Every generated record is ``is_synthetic``.
"""

import datetime as dt
import hashlib
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from portfolio.bulk import insert, insert_history
from portfolio.datasets import REPORT_DATASET
from portfolio.models import DatasetLoad
from portfolio.money import round_half_up, to_decimal

from . import remembered
from .choices import (
    DepartmentKind,
    MilestoneKind,
    ProjectCategory,
    ProjectStatus,
    RecordKind,
    ReportStatus,
)
from .models import Department, Milestone, MonthlyReport, Programme, ProgrammeSnapshot, Project

PORTFOLIO_DATASET = "portfolio:sample"
DEFAULT_SEED = 2025
# Sample departments are created only when the report fixtures name too few to spread projects over.
MIN_DEPARTMENTS = 5

# Relative weight of each month's work: little around the Spring Festival, more towards the year end.
MONTH_WEIGHTS = [0.55, 0.5, 0.9, 1.0, 1.05, 1.1, 1.0, 1.0, 1.05, 1.1, 1.15, 1.3]

PROGRESS_TEXTS = [
    (Decimal("0.15"), "完成前期手续办理,开展场地平整"),
    (Decimal("0.35"), "完成桩基施工"),
    (Decimal("0.6"), "主体结构施工中"),
    (Decimal("0.85"), "主体封顶,开展装饰装修"),
    (Decimal("9"), "设备安装调试"),
]
# Before a project starts, and once it is built or operating, the sample text says so instead.
NOT_STARTED_TEXT = "开展前期工作"
FINISHED_TEXTS = {ProjectStatus.COMPLETION: "项目已建成", ProjectStatus.MAINTENANCE: "项目已投产运营"}
FINISHED = tuple(FINISHED_TEXTS)
PROBLEMS = ["征地拆迁进度滞后", "用地报批手续尚未完成", "建设资金未及时到位", "管线迁改协调中", "施工许可办理中"]
REQUESTS = ["请区规划和自然资源部门协助加快用地报批", "请属地镇街协调征拆工作", "请区财政统筹保障资金"]
SAMPLE_CATEGORY_WEIGHTS = [
    (ProjectCategory.INDUSTRY, 30),
    (ProjectCategory.TRANSPORT, 18),
    (ProjectCategory.MUNICIPAL, 14),
    (ProjectCategory.URBAN_RENEWAL, 12),
    (ProjectCategory.SOCIAL, 14),
    (ProjectCategory.ECOLOGY, 7),
    (ProjectCategory.AGRICULTURE, 5),
]
SAMPLE_CATEGORIES = [category for category, _share in SAMPLE_CATEGORY_WEIGHTS]
SAMPLE_CATEGORY_SHARES = [share for _category, share in SAMPLE_CATEGORY_WEIGHTS]


class GeneratorError(Exception):
    """The generator cannot run (no programme to itemise, sample data already present, ...)."""


@dataclass
class ProgrammeResult:
    programme: str
    projects: int
    named_projects: int
    annual_plan: Decimal
    completed_ytd: Decimal
    months: int


@dataclass
class GenerationResult:
    generated: bool
    seed: int
    programmes: list[ProgrammeResult] = field(default_factory=list)
    milestones: int = 0
    monthly_reports: int = 0


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split an integer total into integer parts proportional to weights, summing exactly (largest remainder)."""
    if not weights:
        if total:
            raise ValueError("cannot allocate a non-zero total over no weights")
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights = [1.0] * len(weights)
        weight_sum = float(len(weights))
    raw = [total * w / weight_sum for w in weights]
    parts = [int(x) for x in raw]
    shortfall = total - sum(parts)
    by_remainder = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in by_remainder[:shortfall]:
        parts[i] += 1
    return parts


def plan_total_for(completed: int, rate_percent: Decimal) -> int:
    """The whole-万元 annual plan whose completion rate rounds (half-up, 2 places) to the published rate."""
    if rate_percent <= 0:
        raise GeneratorError(_("公布的完成率为0，无法推算年度计划。"))
    estimate = int(round_half_up(Decimal(completed) * 100 / rate_percent, Decimal("1")))
    for candidate in sorted(range(estimate - 50, estimate + 51), key=lambda c: abs(c - estimate)):
        if candidate > 0 and round_half_up(Decimal(completed) * 100 / Decimal(candidate)) == rate_percent:
            return candidate
    raise GeneratorError(_("找不到与公布完成率一致的年度计划总额。"))


def _snapshots() -> list[ProgrammeSnapshot]:
    """The latest published snapshot of each programme that has one."""
    latest = {}
    for snapshot in ProgrammeSnapshot.objects.select_related("programme").order_by("period_end"):
        latest[snapshot.programme_id] = snapshot
    return sorted(latest.values(), key=lambda s: (s.programme.year, s.programme.level != "district"))


def _split_counts(snapshots: list[ProgrammeSnapshot], total: int | None) -> list[int]:
    declared = [s.programme.declared_project_count or s.project_count for s in snapshots]
    if total is None:
        return declared
    if total < len(snapshots):
        raise GeneratorError(_("项目数至少须为%(n)s。") % {"n": len(snapshots)})
    return [1 + n for n in allocate(total - len(snapshots), declared)]


def _department_pool(stdout: Callable[[str], None]) -> tuple[list[Department], list[Department]]:
    leads = list(
        Department.objects.filter(active=True)
        .exclude(kind=DepartmentKind.OTHER)
        .order_by("code")
    )
    if len(leads) < MIN_DEPARTMENTS:
        for i in range(1, MIN_DEPARTMENTS - len(leads) + 1):
            dept, _created = Department.objects.get_or_create(
                code=f"sample-dept-{i:02d}",
                defaults={"name": f"样例单位{i:02d}", "kind": DepartmentKind.BUREAU, "is_synthetic": True},
            )
            leads.append(dept)
        stdout(f"Created sample departments to reach {MIN_DEPARTMENTS}.")
    towns = [d for d in leads if d.kind in (DepartmentKind.TOWN, DepartmentKind.STREET)]
    return leads, towns


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _progress_text(share: Decimal) -> str:
    for upper, text in PROGRESS_TEXTS:
        if share < upper:
            return text
    return PROGRESS_TEXTS[-1][1]


@dataclass
class _Dates:
    """A sample project's planned and actual start and completion."""

    planned_start: dt.date
    actual_start: dt.date | None
    planned_completion: dt.date
    actual_completion: dt.date | None

    @property
    def status(self) -> str:
        if self.actual_completion:
            return ProjectStatus.COMPLETION
        return ProjectStatus.IMPLEMENTATION if self.actual_start else ProjectStatus.PREPARATION


@dataclass
class _Slot:
    """One project position in a programme: a named report project or a new sample one.

    ``start_month`` is the first month of the year with investment (None: not started by the
    snapshot, so none); from ``finished_month`` the project is built or operating and its monthly
    text says so (``finished_status``).
    """

    project: Project | None
    plan: int = 0
    ytd: int = 0
    dates: _Dates | None = None
    start_month: int | None = 1
    finished_month: int | None = None
    finished_status: str = ""


def _sample_dates(rng: random.Random, year: int, snapshot_end: dt.date) -> _Dates:
    """Start and completion consistent with each other and with the snapshot; some starts overdue."""
    new_start = rng.random() < 0.35
    if new_start:
        planned_start = _random_date(rng, dt.date(year, 1, 10), dt.date(year, 10, 31))
    else:
        planned_start = _random_date(rng, dt.date(year - 2, 3, 1), dt.date(year - 1, 12, 20))
    actual_start = None
    if planned_start <= snapshot_end and rng.random() < 0.88:
        candidate = planned_start + dt.timedelta(days=rng.randint(-15, 75))
        actual_start = candidate if candidate <= snapshot_end else None
    planned_completion = _random_date(rng, dt.date(year, 3, 1), dt.date(year + 3, 12, 31))
    if planned_completion <= planned_start:
        planned_completion = planned_start + dt.timedelta(days=rng.randint(300, 900))
    actual_completion = None
    if actual_start and planned_completion <= snapshot_end and rng.random() < 0.7:
        actual_completion = max(actual_start, planned_completion - dt.timedelta(days=rng.randint(0, 20)))
    return _Dates(planned_start, actual_start, planned_completion, actual_completion)


# A start month for a day after the year: no month of the year reaches it.
AFTER_THE_YEAR = 13


def _month_in(year: int, day: dt.date | None, *, before: int | None) -> int | None:
    """The month of ``day`` within ``year``: 1 for a day before the year, AFTER_THE_YEAR after it,
    ``before`` for no day."""
    if day is None:
        return before
    if day.year < year:
        return 1
    return day.month if day.year == year else AFTER_THE_YEAR


def _sample_milestones(project: Project, dates: _Dates) -> list[Milestone]:
    """The sample project's start and completion nodes, from its dates."""
    return [
        Milestone(project=project, kind=MilestoneKind.START, planned_date=dates.planned_start,
                  actual_date=dates.actual_start, is_synthetic=True),
        Milestone(project=project, kind=MilestoneKind.COMPLETION, planned_date=dates.planned_completion,
                  actual_date=dates.actual_completion, is_synthetic=True),
    ]


def _named_timing(slot: _Slot, year: int, reached: dict) -> None:
    """When a report project's investment starts and when it is finished, from what the report states:
    its status and the actual dates of its nodes. A project in preparation has not started; a built or
    operating one is finished from its completion or operation node (the year's start without one)."""
    project = slot.project
    if project.status == ProjectStatus.PREPARATION:
        slot.start_month = None
    else:
        slot.start_month = _month_in(year, reached.get(MilestoneKind.START), before=1)
    if project.status in FINISHED:
        finished = reached.get(MilestoneKind.OPERATION) or reached.get(MilestoneKind.COMPLETION)
        slot.finished_month = _month_in(year, finished, before=1)
        slot.finished_status = project.status


def _monthly_text(slot: _Slot, month: int, share: Decimal) -> str:
    if slot.start_month is None or month < slot.start_month:
        return NOT_STARTED_TEXT
    if slot.finished_month is not None and month >= slot.finished_month:
        return FINISHED_TEXTS[slot.finished_status]
    return _progress_text(share)


def _monthly_reports(
    rng: random.Random, project: Project, slot: _Slot, year: int, snapshot_month: int, months: int
) -> list[MonthlyReport]:
    """Every month's report; no investment before the project starts, and the text follows its stage."""
    started = slot.start_month or AFTER_THE_YEAR
    weights = [MONTH_WEIGHTS[m] * (0.6 + rng.random()) if m + 1 >= started else 0.0 for m in range(snapshot_month)]
    increments = allocate(slot.ytd, weights) if slot.ytd else [0] * snapshot_month
    monthly_pace = slot.ytd / snapshot_month if snapshot_month else 0
    for m in range(snapshot_month, months):
        pace = monthly_pace * MONTH_WEIGHTS[m] * (0.7 + 0.6 * rng.random())
        increments.append(int(pace) if m + 1 >= started else 0)
    behind = slot.plan and Decimal(slot.ytd) / Decimal(slot.plan) < Decimal(snapshot_month) / 24
    reports, cumulative = [], 0
    for index, increment in enumerate(increments):
        cumulative += increment
        share = Decimal(cumulative) / Decimal(slot.plan) if slot.plan else Decimal(0)
        has_problem = behind and index == snapshot_month - 1 and slot.finished_month is None
        reports.append(
            MonthlyReport(
                project=project,
                year=year,
                month=index + 1,
                completed_month=Decimal(increment),
                completed_ytd=Decimal(cumulative),
                progress_text=_monthly_text(slot, index + 1, share),
                problems=rng.choice(PROBLEMS) if has_problem else "",
                coordination_requests=rng.choice(REQUESTS) if has_problem else "",
                status=ReportStatus.APPROVED,
                is_synthetic=True,
            )
        )
    return reports


def _respect_total_investment(slots: list[_Slot]) -> None:
    """A report project's plan may not exceed the total investment the report states for it."""
    free = [s for s in slots if s.project is None or s.project.total_investment is None]
    for slot in slots:
        total = slot.project.total_investment if slot.project is not None else None
        if total is not None and slot.plan > total:
            excess = slot.plan - int(total)
            slot.plan -= excess
            max(free, key=lambda s: s.plan).plan += excess


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def clear_sample_portfolio() -> None:
    """Remove every generated record and the figures filled into report projects.

    Sample rows can number millions at benchmark scale, so they and their history rows are
    deleted with set-based deletes; report facts are never touched except their sample fields. Those
    deletes leave no history row and can lower the highest ids the remembered figures' fingerprint
    reads: what was remembered is forgotten, now and when the transaction commits.
    """
    for model in (MonthlyReport, Milestone):
        qs = model.objects.filter(is_synthetic=True)
        model.history.filter(is_synthetic=True).delete()
        qs._raw_delete(qs.db)
    synthetic_projects = Project.objects.filter(is_synthetic=True)
    Project.co_departments.through.objects.filter(project__is_synthetic=True).delete()
    Project.history.filter(is_synthetic=True).delete()
    synthetic_projects._raw_delete(synthetic_projects.db)
    named = list(Project.objects.filter(Q(sample_programme__isnull=False) | Q(sample_annual_plan__isnull=False)))
    for project in named:
        project.sample_programme = project.sample_annual_plan = None
    if named:
        bulk_update_with_history(named, Project, ["sample_programme", "sample_annual_plan"], batch_size=500)
    DatasetLoad.objects.filter(name=PORTFOLIO_DATASET).delete()
    remembered.forget_now_and_at_commit()


def _parameters_for(seed: int, counts: list[int], months: int | None, snapshots: list[ProgrammeSnapshot]) -> str:
    """The checksum of everything the generated data depends on, recorded with the dataset."""
    params = {
        # The report data it builds on: a new version of the fixtures (reloaded) needs the sample rebuilt.
        "report": DatasetLoad.objects.filter(name=REPORT_DATASET).values_list("checksum", flat=True).first(),
        "seed": seed,
        "counts": counts,
        "months": months,
        "snapshots": [
            (s.pk, s.project_count, s.completed_investment, s.plan_ratio, s.period_end) for s in snapshots
        ],
    }
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def _make_room(checksum: str, replace: bool) -> bool:
    """False when these parameters already generated the data; clears other sample data if asked to."""
    existing = DatasetLoad.objects.filter(name=PORTFOLIO_DATASET).first()
    if existing and existing.checksum == checksum and not replace:
        return False
    if existing or Project.objects.filter(is_synthetic=True).exists():
        if not replace:
            raise GeneratorError(_("已有不同参数生成的样例数据；如需替换，请使用 --replace。"))
        clear_sample_portfolio()
    return True


def _assign_named_projects(snapshots: list[ProgrammeSnapshot], counts: list[int]) -> dict[int, list[Project]]:
    """The report's named projects by programme; those without one go where there is room, district first.

    Only projects without an annual plan of their own (the sample's plan must be the one counted), and
    never a place the report mentions (an airport, a platform): it is no project of a programme."""
    named_pool = Project.objects.filter(
        is_synthetic=False, record_kind=RecordKind.PROJECT, annual_plan__isnull=True,
        sample_programme__isnull=True, sample_annual_plan__isnull=True,
    ).order_by("code")
    capacity = dict(zip([s.programme_id for s in snapshots], counts, strict=True))
    assignment: dict[int, list[Project]] = {s.programme_id: [] for s in snapshots}
    unassigned = []
    for project in named_pool:
        if project.programme_id in capacity:
            assignment[project.programme_id].append(project)
        elif project.programme_id is None:
            unassigned.append(project)
    for project in unassigned:
        with_room = [pid for pid in capacity if len(assignment[pid]) < capacity[pid]]
        if not with_room:
            break
        assignment[with_room[0]].append(project)
    return assignment


class _ProgrammeItemiser:
    """Itemises one programme's snapshot into projects, milestones and monthly reports.

    One random stream per programme, drawn in a fixed order (plans, rates, named projects' lead
    departments, then each batch's new projects and monthly reports), so a seed gives one portfolio.
    """

    def __init__(self, snapshot, *, seed, months, batch_size, leads, towns):
        self.snapshot = snapshot
        self.programme: Programme = snapshot.programme
        self.rng = random.Random(f"{seed}:{self.programme.year}:{self.programme.level}")
        self.snapshot_month = snapshot.period_end.month
        self.total_months = max(self.snapshot_month, months or self.snapshot_month)
        self.batch_size = batch_size
        self.leads, self.towns = leads, towns
        self.milestones = self.monthly_reports = 0

    def run(self, named: list[Project], count: int) -> ProgrammeResult:
        completed = int(to_decimal(self.snapshot.completed_investment))
        plan_total = plan_total_for(completed, self.snapshot.plan_ratio)
        slots = [_Slot(project=p) for p in named] + [_Slot(project=None) for _ in range(count - len(named))]
        self.time_slots(slots)
        self.share_out(slots, plan_total, completed)
        self.fill_named(slots[: len(named)])
        sample_number = 0
        for chunk in _chunks(slots, self.batch_size):
            sample_number = self.create_chunk(chunk, sample_number)
        return ProgrammeResult(
            programme=self.programme.name,
            projects=len(slots),
            named_projects=len(named),
            annual_plan=Decimal(plan_total),
            completed_ytd=Decimal(sum(s.ytd for s in slots)),
            months=self.total_months,
        )

    def time_slots(self, slots: list[_Slot]) -> None:
        """When each slot starts investing and finishes: from the report for its named projects, from
        drawn dates for the new ones (drawn first, so that the figures can follow them)."""
        year, end = self.programme.year, self.snapshot.period_end
        reached: dict[int, dict] = {}
        named = [slot.project.pk for slot in slots if slot.project is not None]
        nodes = Milestone.objects.filter(project__in=named, actual_date__isnull=False).order_by("actual_date")
        for project_id, kind, day in nodes.values_list("project", "kind", "actual_date"):
            reached.setdefault(project_id, {}).setdefault(kind, day)
        for slot in slots:
            if slot.project is not None:
                _named_timing(slot, year, reached.get(slot.project.pk, {}))
                continue
            slot.dates = _sample_dates(self.rng, year, end)
            slot.start_month = _month_in(year, slot.dates.actual_start, before=None)
            if slot.dates.actual_completion:
                slot.finished_month = _month_in(year, slot.dates.actual_completion, before=None)
                slot.finished_status = ProjectStatus.COMPLETION

    def share_out(self, slots: list[_Slot], plan_total: int, completed: int) -> None:
        """Each slot's annual plan and year-to-date completion, summing to the published totals; a slot
        that has not started by the snapshot month completes nothing."""
        rng = self.rng
        plan_weights = [rng.lognormvariate(0, 0.9) for _ in slots]
        # Every project gets at least 1 万元 of plan, the rest in proportion to its weight.
        for slot, extra in zip(slots, allocate(plan_total - len(slots), plan_weights), strict=True):
            slot.plan = 1 + extra
        rates = [min(1.3, max(0.0, rng.gauss(float(self.snapshot.plan_ratio) / 100, 0.2))) for _ in slots]
        _respect_total_investment(slots)
        ytd_weights = [
            s.plan * r if s.start_month is not None and s.start_month <= self.snapshot_month else 0.0
            for s, r in zip(slots, rates, strict=True)
        ]
        for slot, ytd in zip(slots, allocate(completed, ytd_weights), strict=True):
            slot.ytd = ytd

    def fill_named(self, slots: list[_Slot]) -> None:
        """Give the named projects the figures the sample's totals need, apart from their facts.

        The programme the project is counted in (when the report states none) and its annual plan go
        to ``sample_programme`` and ``sample_annual_plan``; the facts stay empty (待补充). A
        responsible department is never invented for a real project: it is reported under
        未明确牵头单位."""
        for slot in slots:
            project = slot.project
            if project.programme_id is None:
                project.sample_programme = self.programme
            project.sample_annual_plan = Decimal(slot.plan)
        if slots:
            bulk_update_with_history(
                [slot.project for slot in slots], Project, ["sample_programme", "sample_annual_plan"],
                batch_size=self.batch_size,
            )

    def create_chunk(self, chunk: Sequence[_Slot], sample_number: int) -> int:
        """Create one batch: its new sample projects with their milestones, then every slot's reports."""
        new_projects, milestones, reports = [], [], []
        for slot in chunk:
            if slot.project is None:
                sample_number += 1
                slot.project = self.new_project(slot, sample_number)
                milestones.extend(_sample_milestones(slot.project, slot.dates))
                new_projects.append(slot.project)
        insert(new_projects)
        insert_history(new_projects)
        for slot in chunk:
            reports.extend(
                _monthly_reports(
                    self.rng, slot.project, slot, self.programme.year, self.snapshot_month, self.total_months
                )
            )
        for milestone in milestones:
            milestone.project_id = milestone.project.pk
        for report in reports:
            report.project_id = report.project.pk
        for objs in (milestones, reports):
            insert(objs)
            insert_history(objs)
        self.milestones += len(milestones)
        self.monthly_reports += len(reports)
        return sample_number

    def new_project(self, slot: _Slot, sample_number: int) -> Project:
        rng, programme = self.rng, self.programme
        level_letter = "D" if programme.level == "district" else "C"
        category = rng.choices(SAMPLE_CATEGORIES, SAMPLE_CATEGORY_SHARES)[0]
        return Project(
            programme=programme,
            code=f"S{programme.year}{level_letter}{sample_number:06d}",
            name=f"样例{ProjectCategory(category).label}项目{sample_number:05d}",
            category=category,
            lead_department=rng.choice(self.leads),
            town=rng.choice(self.towns) if self.towns and rng.random() < 0.8 else None,
            annual_plan=Decimal(slot.plan),
            total_investment=Decimal(slot.plan * rng.choice([1, 2, 3, 4, 6, 10])),
            planned_start=slot.dates.planned_start,
            actual_start=slot.dates.actual_start,
            planned_completion=slot.dates.planned_completion,
            actual_completion=slot.dates.actual_completion,
            status=slot.dates.status,
            is_synthetic=True,
        )


@transaction.atomic
def generate_portfolio(
    *,
    seed: int = DEFAULT_SEED,
    projects: int | None = None,
    months: int | None = None,
    batch_size: int = 2000,
    replace: bool = False,
    stdout: Callable[[str], None] = lambda _msg: None,
) -> GenerationResult:
    """Itemise every programme with a published snapshot. All or nothing (one transaction)."""
    snapshots = _snapshots()
    if not snapshots:
        raise GeneratorError(_("没有带公布汇总数的重点项目计划，请先载入报告数据。"))
    counts = _split_counts(snapshots, projects)
    checksum = _parameters_for(seed, counts, months, snapshots)
    if not _make_room(checksum, replace):
        return GenerationResult(generated=False, seed=seed)

    leads, towns = _department_pool(stdout)
    assignment = _assign_named_projects(snapshots, counts)
    result = GenerationResult(generated=True, seed=seed)
    for snapshot, count in zip(snapshots, counts, strict=True):
        itemiser = _ProgrammeItemiser(
            snapshot, seed=seed, months=months, batch_size=batch_size, leads=leads, towns=towns
        )
        named = assignment[snapshot.programme_id][:count]
        programme_result = itemiser.run(named, count)
        result.programmes.append(programme_result)
        result.milestones += itemiser.milestones
        result.monthly_reports += itemiser.monthly_reports
        stdout(
            f"{programme_result.programme}: {programme_result.projects} projects "
            f"({programme_result.named_projects} from the report), {programme_result.months} months."
        )

    DatasetLoad.objects.update_or_create(name=PORTFOLIO_DATASET, defaults={"checksum": checksum})
    return result


__all__ = [
    "DEFAULT_SEED",
    "PORTFOLIO_DATASET",
    "GenerationResult",
    "GeneratorError",
    "allocate",
    "clear_sample_portfolio",
    "generate_portfolio",
    "plan_total_for",
]
