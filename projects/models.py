"""Key projects: departments, programmes, projects, milestones and monthly reports."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from portfolio.models import SourcedModel, TimeStampedModel, long_text

from .choices import (
    AWAITING_RESPONSE,
    DatePrecision,
    DepartmentKind,
    LetterKind,
    LetterState,
    MilestoneKind,
    ProgrammeLevel,
    ProjectCategory,
    ProjectStatus,
    RecordKind,
    ReportStatus,
)
from .querysets import (
    DepartmentManager,
    MonthlyReportQuerySet,
    ProgrammeManager,
    ProjectManager,
)

ZERO = Decimal("0")
# The largest amount any money field holds, in 万元 (just under 1 万亿元): twelve significant digits,
# which every backend stores exactly (SQLite keeps decimals as 8-byte floats, exact to 15 digits), so
# that sums over a whole programme still fit the columns' sixteen digits.
MAX_AMOUNT = Decimal("99999999.9999")
AMOUNT_VALIDATORS = [
    MinValueValidator(ZERO, message=_("金额不能为负数。")),
    MaxValueValidator(MAX_AMOUNT, message=_("金额不能超过99,999,999.9999万元。")),
]


def money_field(verbose_name, **kwargs):
    """An amount in 万元: Decimal with four places (1 yuan), never negative, never above MAX_AMOUNT."""
    kwargs.setdefault("null", True)
    kwargs.setdefault("blank", True)
    return models.DecimalField(
        verbose_name, max_digits=16, decimal_places=4, validators=AMOUNT_VALIDATORS, **kwargs
    )


def year_to_date(previous_ytd, completed_month) -> Decimal:
    """A month's year to date: the latest earlier month's year to date (none in January) plus the month's figure."""
    return (previous_ytd if previous_ytd is not None else ZERO) + (completed_month or ZERO)


def amount_in_range(field: str, *, nullable: bool = True) -> Q:
    """The database's own copy of the amount bounds (a row written around the model is refused too)."""
    bounded = Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": MAX_AMOUNT})
    return (Q(**{f"{field}__isnull": True}) | bounded) if nullable else bounded


class Department(SourcedModel, TimeStampedModel):
    """A responsible department (责任单位): a bureau, town, street office or state-owned company."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=DepartmentKind.choices)
    active = models.BooleanField(_("启用"), default=True)

    objects = DepartmentManager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("责任单位")
        verbose_name_plural = pgettext_lazy("plural", "责任单位")
        ordering = ["kind", "code"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class DepartmentMembership(TimeStampedModel):
    """The department a user works for; department editors may change only its projects."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="memberships"
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("单位成员")
        verbose_name_plural = pgettext_lazy("plural", "单位成员")

    def __str__(self):
        return f"{self.user} · {self.department}"


class Programme(SourcedModel, TimeStampedModel):
    """A year's list of key projects at one level (区重点项目 / 市重点项目)."""

    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    level = models.CharField(_("级别"), max_length=20, choices=ProgrammeLevel.choices)
    name = models.CharField(_("名称"), max_length=100)
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes",
    )
    declared_project_count = models.PositiveIntegerField(_("公布项目数"), null=True, blank=True)
    annual_plan = money_field(
        _("年度计划投资（万元）"),
        help_text=_("报告未直接公布时为空；由完成投资与完成率推算的数值不写入此处。"),
    )

    objects = ProgrammeManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("重点项目计划")
        verbose_name_plural = pgettext_lazy("plural", "重点项目计划")
        ordering = ["-year", "level"]
        constraints = [
            models.UniqueConstraint(fields=["year", "level"], name="programme_unique_year_level"),
            models.CheckConstraint(
                condition=Q(annual_plan__isnull=True) | Q(annual_plan__gte=0),
                name="programme_annual_plan_non_negative",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.year, self.level)

    @property
    def code(self) -> str:
        """The programme's code in commands and imports: 2025-district, 2025-city."""
        return f"{self.year}-{self.level}"


class ProgrammeSnapshot(SourcedModel, TimeStampedModel):
    """The aggregates of a programme as published for a period (e.g. the 2025-H1 report)."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("重点项目计划"), on_delete=models.CASCADE, related_name="snapshots"
    )
    period_start = models.DateField(_("统计期起"))
    period_end = models.DateField(_("统计期止"))
    project_count = models.PositiveIntegerField(_("项目数"))
    completed_investment = money_field(_("累计完成投资（万元）"), null=False, blank=False)
    plan_ratio = models.DecimalField(
        _("年度投资计划完成率（%）"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(ZERO, message=_("完成率不能为负数。"))],
    )
    qualifier = models.CharField(
        _("进度评价"), max_length=50, blank=True, help_text=_("例如：超序时进度、超全市总体进度。")
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("公布汇总数")
        verbose_name_plural = pgettext_lazy("plural", "公布汇总数")
        ordering = ["-period_end", "programme"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period_end"], name="snapshot_unique_programme_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="snapshot_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(completed_investment__gte=0), name="snapshot_completed_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.programme} {self.period_start:%Y-%m}—{self.period_end:%Y-%m}"


class Project(SourcedModel, TimeStampedModel):
    """A key project. Report facts carry a source quote; generated sample projects are flagged."""

    # The report's words about the second half are a quote too.
    PROVENANCE_FIELDS = (*SourcedModel.PROVENANCE_FIELDS, "h2_plan_quote")

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("重点项目计划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        help_text=_("报告未说明所属计划时为空，待补充。"),
    )
    code = models.CharField(_("项目编号"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    category = models.CharField(
        _("项目类别"), max_length=20, choices=ProjectCategory.choices, default=ProjectCategory.OTHER
    )
    location = models.CharField(_("建设地点"), max_length=200, blank=True)
    record_kind = models.CharField(
        _("记录类型"),
        max_length=10,
        choices=RecordKind.choices,
        default=RecordKind.PROJECT,
        help_text=_("报告提及的设施、平台或区域不是建设项目：不计入重点项目计划，也无需填报月报。"),
    )
    town = models.ForeignKey(
        Department,
        verbose_name=_("所在镇街"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects_located",
        limit_choices_to={"kind__in": [DepartmentKind.TOWN, DepartmentKind.STREET]},
    )
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects_led",
        help_text=_("报告未说明时为空，待补充。"),
    )
    co_departments = models.ManyToManyField(
        Department, verbose_name=_("配合单位"), blank=True, related_name="projects_assisted"
    )
    status = models.CharField(
        _("项目状态"),
        max_length=20,
        choices=ProjectStatus.choices,
        blank=True,
        default="",
        help_text=_("报告未说明时为空，待补充。"),
    )
    total_investment = money_field(_("总投资（万元）"))
    annual_plan = money_field(_("年度计划投资（万元）"))
    planned_start = models.DateField(_("计划开工"), null=True, blank=True)
    actual_start = models.DateField(_("实际开工"), null=True, blank=True)
    planned_completion = models.DateField(_("计划竣工"), null=True, blank=True)
    actual_completion = models.DateField(_("实际竣工"), null=True, blank=True)
    progress_summary = long_text(
        _("形象进度"), blank=True, help_text=_("最新形象进度，例如：主体封顶、完成桩基施工60%。")
    )
    h2_plan = long_text(_("下半年安排"), blank=True)
    h2_plan_quote = long_text(
        _("下半年安排来源原文"), blank=True, help_text=_("报告中下半年工作措施部分的原文摘录。")
    )
    # What the sample generator fills in for a report project, kept apart from the facts above (which
    # stay empty, 待补充): the programme it is counted in and its annual plan. A fact, once entered,
    # takes precedence (``counted_programme`` / ``counted_plan``). Never editable by hand.
    sample_programme = models.ForeignKey(
        Programme,
        verbose_name=_("样例所属计划"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text=_("报告项目未说明所属计划时，样例生成器为演示计入的计划；不是报告数据。"),
    )
    sample_annual_plan = money_field(
        _("样例年度计划投资（万元）"),
        editable=False,
        help_text=_("报告项目未说明年度计划时，样例生成器为演示补充的计划；不是报告数据。"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects = ProjectManager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("重点项目")
        verbose_name_plural = pgettext_lazy("plural", "重点项目")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=amount_in_range("total_investment"), name="project_total_investment_in_range",
            ),
            models.CheckConstraint(condition=amount_in_range("annual_plan"), name="project_annual_plan_in_range"),
            models.CheckConstraint(
                condition=amount_in_range("sample_annual_plan"), name="project_sample_annual_plan_in_range",
            ),
            models.CheckConstraint(
                condition=Q(actual_completion__isnull=True)
                | Q(actual_start__isnull=True)
                | Q(actual_completion__gte=models.F("actual_start")),
                name="project_actual_completion_after_start",
            ),
            models.CheckConstraint(
                condition=Q(planned_completion__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_completion__gte=models.F("planned_start")),
                name="project_planned_completion_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "lead_department"], name="project_prog_dept_idx"),
            models.Index(fields=["programme", "category"], name="project_prog_category_idx"),
            models.Index(fields=["programme", "status"], name="project_prog_status_idx"),
            models.Index(fields=["town"], name="project_town_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def natural_key(self):
        return (self.code,)

    def validate_constraints(self, exclude=None):
        # The sample's plan is written by the generator alone, around the model: its bounds are the
        # database's to keep, and checking them here would cost every save a query.
        super().validate_constraints(exclude={*(exclude or ()), "sample_annual_plan"})

    def clean(self):
        errors = {}
        if self.actual_start and self.actual_completion and self.actual_completion < self.actual_start:
            errors["actual_completion"] = _("实际竣工日期不能早于实际开工日期。")
        if self.planned_start and self.planned_completion and self.planned_completion < self.planned_start:
            errors["planned_completion"] = _("计划竣工日期不能早于计划开工日期。")
        if (
            self.annual_plan is not None
            and self.total_investment is not None
            and self.annual_plan > self.total_investment
        ):
            errors["annual_plan"] = _("年度计划投资不能大于总投资。")
        if self.is_place:
            # A place the report mentions is counted in no programme and has no plan of its own.
            if self.programme_id is not None:
                errors["programme"] = _("报告提及的设施、平台或区域不是建设项目，不能计入重点项目计划。")
            if self.annual_plan is not None:
                errors["annual_plan"] = _("报告提及的设施、平台或区域不是建设项目，没有年度计划投资。")
        if errors:
            raise ValidationError(errors)

    @property
    def is_place(self) -> bool:
        """A place the report mentions (RecordKind.PLACE): no project, no figures, nothing to report."""
        return self.record_kind == RecordKind.PLACE

    @property
    def sample_fields(self) -> list[str]:
        """The facts shown from the sample generator's values (the fact itself is empty)."""
        return sample_facts(self.programme_id, self.sample_programme_id, self.annual_plan, self.sample_annual_plan)

    @property
    def counted_programme(self):
        """The programme the project is counted in: the fact, or else the sample's."""
        return self.programme if self.programme_id is not None else self.sample_programme

    @property
    def counted_plan(self) -> Decimal | None:
        """The annual plan rates are computed against: the fact, or else the sample's."""
        return self.annual_plan if self.annual_plan is not None else self.sample_annual_plan

    @property
    def missing_fields(self) -> list[str]:
        """Facts still to be completed by an administrator (shown as 待补充); a place the report
        mentions is no project of a programme and has none to complete."""
        return missing_facts(self.record_kind, self.programme_id, self.lead_department_id, self.annual_plan, self.status)


# The two lists above as functions of the columns, for rows read without a model instance (the API list).


def sample_facts(programme_id, sample_programme_id, annual_plan, sample_annual_plan) -> list[str]:
    fields = []
    if programme_id is None and sample_programme_id is not None:
        fields.append("programme")
    if annual_plan is None and sample_annual_plan is not None:
        fields.append("annual_plan")
    return fields


def missing_facts(record_kind, programme_id, lead_department_id, annual_plan, status) -> list[str]:
    missing = []
    if record_kind == RecordKind.PLACE:
        return missing
    if programme_id is None:
        missing.append("programme")
    if lead_department_id is None:
        missing.append("lead_department")
    if annual_plan is None:
        missing.append("annual_plan")
    if not status:
        missing.append("status")
    return missing


class Milestone(SourcedModel, TimeStampedModel):
    """A project node (节点): 立项, 签约, 开工, 封顶, 竣工, 投产 … planned vs actual."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="milestones"
    )
    kind = models.CharField(_("节点类型"), max_length=20, choices=MilestoneKind.choices)
    planned_date = models.DateField(_("计划日期"), null=True, blank=True)
    planned_date_precision = models.CharField(
        _("计划日期精度"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    actual_date = models.DateField(_("实际日期"), null=True, blank=True)
    actual_date_precision = models.CharField(
        _("实际日期精度"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    note = long_text(_("说明"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("项目节点")
        verbose_name_plural = pgettext_lazy("plural", "项目节点")
        ordering = ["project", "planned_date", "actual_date", "pk"]
        indexes = [
            models.Index(fields=["planned_date"], name="milestone_planned_idx"),
            models.Index(fields=["actual_date"], name="milestone_actual_idx"),
        ]

    def __str__(self):
        return f"{self.project.name} · {self.get_kind_display()}"

    def clean(self):
        if not self.planned_date and not self.actual_date:
            raise ValidationError({"planned_date": _("计划日期和实际日期至少填写一个。")})


class MonthlyReport(SourcedModel, TimeStampedModel):
    """A department's monthly progress report (月报) for one project; one per project and month."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="monthly_reports"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    month = models.PositiveSmallIntegerField(
        _("月份"),
        validators=[
            MinValueValidator(1, message=_("月份须在1至12之间。")),
            MaxValueValidator(12, message=_("月份须在1至12之间。")),
        ],
    )
    completed_month = money_field(_("本月完成投资（万元）"), null=False, blank=False, default=ZERO)
    completed_ytd = money_field(_("累计完成投资（万元）"), null=False, blank=False, default=ZERO)
    progress_text = long_text(_("形象进度"), blank=True)
    problems = long_text(_("存在问题"), blank=True)
    coordination_requests = long_text(_("需协调事项"), blank=True)
    status = models.CharField(
        _("审核状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = long_text(_("审核意见"), blank=True)
    plausibility_note = long_text(
        _("异常说明"), blank=True,
        help_text=_("数据超出合理范围（如本月完成超过年度计划的一定比例）时，填报人确认数据无误的说明，审核时可见。"),
    )
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("录入或修改数据的人员"), blank=True, related_name="+",
        help_text=_("录入或修改过本月报数据的人员（含统筹人员的更正）；他们不能审核该月报。"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects = MonthlyReportQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("月报")
        verbose_name_plural = pgettext_lazy("plural", "月报")
        ordering = ["-year", "-month", "project"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month"], name="monthly_report_unique_project_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="monthly_report_month_range"
            ),
            models.CheckConstraint(
                condition=amount_in_range("completed_month", nullable=False),
                name="monthly_report_completed_month_in_range",
            ),
            models.CheckConstraint(
                condition=amount_in_range("completed_ytd", nullable=False),
                name="monthly_report_completed_ytd_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "month", "status"], name="monthly_report_period_idx"),
            # A month's figures of every project (selectors.with_period_figures joins the month's report)
            # read from the index alone on PostgreSQL: 100,000 reports of a month lie on 20,000 pages.
            models.Index(
                fields=["year", "month", "project"], include=["status", "completed_ytd", "completed_month"],
                name="monthly_report_figures_idx",
            ),
            # The month's problems and coordination requests (the report's 问题 section): found among the
            # reports that state one, not by reading every report of the month.
            models.Index(
                fields=["year", "month", "project"], condition=~Q(problems="") | ~Q(coordination_requests=""),
                name="monthly_report_issues_idx",
            ),
        ]

    def __str__(self):
        return f"{self.project.name} {self.year}-{self.month:02d}"

    def previous_ytd(self) -> Decimal:
        """The year-to-date figure of the latest earlier month of the same project (0 in January)."""
        previous = (
            MonthlyReport.objects.filter(project_id=self.project_id, year=self.year, month__lt=self.month)
            .order_by("-month")
            .values_list("completed_ytd", flat=True)
            .first()
        )
        return previous if previous is not None else ZERO

    def compute_ytd(self) -> None:
        """Year to date = the previous month's year to date + this month's completed investment."""
        self.completed_ytd = year_to_date(self.previous_ytd(), self.completed_month)

    def clean(self):
        errors = {}
        project = self.project if self.project_id else None
        if project is not None and project.programme_id and self.year and self.year != project.programme.year:
            errors["year"] = _("月报年度（%(year)s）须与项目所属计划年度（%(programme_year)s）一致。") % {
                "year": self.year,
                "programme_year": project.programme.year,
            }
        if self.completed_ytd is not None and self.completed_ytd > MAX_AMOUNT:
            errors["completed_month"] = _("累计完成投资将超过99,999,999.9999万元的上限，请核对本月完成投资。")
        if project is not None and self.year and self.month and self.completed_ytd is not None:
            siblings = MonthlyReport.objects.filter(project=project, year=self.year).exclude(pk=self.pk)
            previous = siblings.filter(month__lt=self.month).order_by("-month").first()
            following = siblings.filter(month__gt=self.month).order_by("month").first()
            if previous is not None and self.completed_ytd < previous.completed_ytd:
                errors["completed_ytd"] = _(
                    "累计完成投资（%(value)s万元）不能低于%(month)s月的累计数（%(previous)s万元）。"
                ) % {"value": self.completed_ytd, "month": previous.month, "previous": previous.completed_ytd}
            elif following is not None and self.completed_ytd > following.completed_ytd:
                errors["completed_ytd"] = _(
                    "累计完成投资（%(value)s万元）不能高于%(month)s月的累计数（%(following)s万元）。"
                ) % {"value": self.completed_ytd, "month": following.month, "following": following.completed_ytd}
        if errors:
            raise ValidationError(errors)


class PeriodLock(TimeStampedModel):
    """A closed month (关账): nobody changes its reports until a coordinator reopens it.

    A month closes only when every report of it is approved or waived (projects.closing), and
    closing freezes its figures in a MonthSnapshot. Reopening deletes this row (with the reason
    in the history and on the snapshot); closing again makes the next snapshot version.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(
        _("月份"),
        validators=[
            MinValueValidator(1, message=_("月份须在1至12之间。")),
            MaxValueValidator(12, message=_("月份须在1至12之间。")),
        ],
    )
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("锁定人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("锁定月份")
        verbose_name_plural = pgettext_lazy("plural", "锁定月份")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="period_lock_unique_month"),
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="period_lock_month_range"),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d}"


class ReportWaiver(TimeStampedModel):
    """A project excused from one month's report, with the reason (a month closes without it)."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="report_waivers"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    reason = long_text(_("免报原因"))
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("免报记录")
        verbose_name_plural = pgettext_lazy("plural", "免报记录")
        ordering = ["-year", "-month", "project"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year", "month"], name="report_waiver_unique_project_month"),
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="report_waiver_month_range"),
        ]

    def __str__(self):
        return f"{self.project.name} {self.year}-{self.month:02d}"


class SheetReturn(models.Model):
    """A department's monthly Excel sheet as it came back: who uploaded it, when, and what it saved."""

    department = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.CASCADE, related_name="sheet_returns"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    saved = models.PositiveIntegerField(_("保存的月报数"))
    submitted = models.BooleanField(_("已提交审核"), default=False)

    class Meta:
        verbose_name = _("月报表回传")
        verbose_name_plural = pgettext_lazy("plural", "月报表回传")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["year", "month", "department"], name="sheet_return_month_idx")]

    def __str__(self):
        return f"{self.department.name} {self.year}-{self.month:02d}"


class MonthSnapshot(models.Model):
    """One version of a closed month's frozen figures; reports of a closed month are printed from it.

    Version 1 is made when the month first closes; each close after a reopening makes the next.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    version = models.PositiveIntegerField(_("版本"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关账人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("关账时间"))
    reason = long_text(_("说明"), blank=True, help_text=_("重新关账时：此前重新打开的原因。"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("重新打开人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("重新打开时间"), null=True, blank=True)
    reopen_reason = long_text(_("重新打开原因"), blank=True)

    class Meta:
        verbose_name = _("关账数据版本")
        verbose_name_plural = pgettext_lazy("plural", "关账数据版本")
        ordering = ["-year", "-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month", "version"], name="month_snapshot_unique_version"),
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="month_snapshot_month_range"),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d} v{self.version}"


class SnapshotProject(models.Model):
    """A project as it stood when its month closed: the plan the rates were computed against."""

    snapshot = models.ForeignKey(MonthSnapshot, on_delete=models.CASCADE, related_name="projects")
    # Reached from the project (``snapshot_rows``) so that a closed month's figures join it, one row a project.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="snapshot_rows")
    annual_plan = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    # What the report groups and prints the project by, as it stood at the close.
    programme = models.ForeignKey(Programme, on_delete=models.SET_NULL, null=True, related_name="+")
    lead_department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, related_name="+")
    town = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, related_name="+")
    category = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, blank=True)
    total_investment = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    waived = models.BooleanField(default=False)
    waiver_reason = models.TextField(blank=True)
    # The month's figures as they stood at the close, so that a closed month's pages read them as columns
    # (judging 100,000 projects on figures looked up in the frozen reports took a report a second): the year
    # to date (the latest counted report up to the month; null without one), the month's own report (its
    # figure, null without one, and its status, empty without one) and the completion rate of the year to
    # date against ``annual_plan`` in hundredths of a percent as selectors.RateHundredths rounds it (null
    # without a plan), and whether a report of the year up to the month was generated (sample data: every
    # output that shows the figures says so).
    completed_ytd = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    completed_month = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    report_status = models.CharField(max_length=20, choices=ReportStatus.choices, blank=True, db_default="")
    rate_hundredths = models.IntegerField(null=True)
    generated = models.BooleanField(default=False)
    # Whether the programme and the annual plan above came from the sample generator's values (the fact was
    # empty at the close: Project.sample_fields), so that the month's outputs keep marking them as sample
    # after a real value is entered.
    programme_from_sample = models.BooleanField(default=False)
    plan_from_sample = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "project"], name="snapshot_project_unique"),
        ]

    def __str__(self):
        return f"{self.snapshot} · {self.project_id}"


class SnapshotReport(models.Model):
    """A copy of an approved monthly report (this month's and the earlier months') as it was at the close.

    Its fields have the monthly report's names, so the report builder reads either table the same way.
    """

    snapshot = models.ForeignKey(MonthSnapshot, on_delete=models.CASCADE, related_name="reports")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="snapshot_reports")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    completed_month = models.DecimalField(max_digits=16, decimal_places=4)
    completed_ytd = models.DecimalField(max_digits=16, decimal_places=4)
    status = models.CharField(max_length=20, choices=ReportStatus.choices)
    progress_text = models.TextField(blank=True)
    problems = models.TextField(blank=True)
    coordination_requests = models.TextField(blank=True)
    is_synthetic = models.BooleanField(default=False)  # generated by the sample generator (marked where shown)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "project", "month"], name="snapshot_report_unique"),
        ]
        indexes = [
            # Each project's frozen report of a month (the close stores its figures on the snapshot row, a
            # closed month's months add them up): read from the index alone on PostgreSQL, not by scanning every
            # month of the snapshot.
            models.Index(
                fields=["snapshot", "month", "project"], include=["status", "completed_ytd", "completed_month"],
                name="snapshot_report_figures_idx",
            ),
            # The closed month's problems and coordination requests, as monthly_report_issues_idx for the live
            # month: counted among the frozen reports that state one, not among the month's every report.
            models.Index(
                fields=["snapshot", "month", "project"], condition=~Q(problems="") | ~Q(coordination_requests=""),
                name="snapshot_report_issues_idx",
            ),
        ]

    def __str__(self):
        return f"{self.snapshot} · {self.project_id} · {self.month}"


class SnapshotProgramme(models.Model):
    """A programme's frozen totals for the closed month (per programme, as the report gives them)."""

    snapshot = models.ForeignKey(MonthSnapshot, on_delete=models.CASCADE, related_name="programmes")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    project_count = models.PositiveIntegerField()
    annual_plan = models.DecimalField(max_digits=16, decimal_places=4)
    completed_ytd = models.DecimalField(max_digits=16, decimal_places=4)
    completed_month = models.DecimalField(max_digits=16, decimal_places=4)
    # Whether ``months`` hold the programme's months (a month closed by an earlier release has none stored,
    # and its reports add them up): none stored is then not read as a year without completion.
    months_stored = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "programme"], name="snapshot_programme_unique"),
        ]

    def __str__(self):
        return f"{self.snapshot} · {self.programme_id}"


class SnapshotProgrammeMonth(models.Model):
    """A programme's completion in one month of the year up to the closed month: the sum of its frozen
    projects' frozen reports of that month. The report's month-by-month series of the whole programme reads
    these rows instead of every frozen report of the year (1.1 million in a province's November)."""

    totals = models.ForeignKey(SnapshotProgramme, on_delete=models.CASCADE, related_name="months")
    month = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    # A province's programme adds up 100,000 projects' figures: more digits than one project's.
    completed_month = models.DecimalField(max_digits=20, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["totals", "month"], name="snapshot_programme_month_unique"),
        ]

    def __str__(self):
        return f"{self.totals} · {self.month}"


class LetterSequence(models.Model):
    """The last number given to a letter in a year: letters are numbered without gaps or duplicates
    (白发改督〔2025〕1号, 2号 …), under a row lock when a letter is issued."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class SupervisionLetter(TimeStampedModel):
    """A 提醒函 or 督办函 from the bureau to a department about its warned projects, and what came of it:
    drafted → issued (numbered and dated) → received (the department opened it) → responded → closed,
    or escalated. Every step is in the history (projects.letters makes the steps)."""

    kind = models.CharField(_("函件类型"), max_length=20, choices=LetterKind.choices)
    state = models.CharField(_("办理状态"), max_length=20, choices=LetterState.choices, default=LetterState.DRAFT)
    department = models.ForeignKey(
        Department, verbose_name=_("主送单位"), on_delete=models.PROTECT, related_name="letters"
    )
    year = models.PositiveSmallIntegerField(_("预警年度"))
    month = models.PositiveSmallIntegerField(
        _("预警月份"), validators=[MinValueValidator(1, message=_("月份须在1至12之间。")),
                                   MaxValueValidator(12, message=_("月份须在1至12之间。"))]
    )
    number_year = models.PositiveSmallIntegerField(_("文号年度"), null=True, blank=True, editable=False)
    number = models.PositiveIntegerField(_("文号序号"), null=True, blank=True, editable=False)
    issued_on = models.DateField(_("发文日期"), null=True, blank=True, editable=False)
    response_due = models.DateField(_("回复期限"))
    requested_actions = long_text(_("工作要求"), max_length=5000)
    response = long_text(_("回复内容"), max_length=5000, blank=True)
    closing_note = long_text(_("办结意见"), max_length=2000, blank=True)
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True, editable=False)
    responded_at = models.DateTimeField(_("回复时间"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("拟稿人"), on_delete=models.SET_NULL, null=True, related_name="+",
        editable=False,
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签收人"), on_delete=models.SET_NULL, null=True, related_name="+",
        editable=False,
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回复人"), on_delete=models.SET_NULL, null=True, related_name="+",
        editable=False,
    )
    escalated_to = models.OneToOneField(
        "self", verbose_name=_("升级后的督办函"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="escalated_from", editable=False,
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("督办函")
        verbose_name_plural = pgettext_lazy("plural", "督办函")
        ordering = ["-year", "-month", "department__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["number_year", "number"], name="letter_unique_number"),
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="letter_month_range"),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(number__isnull=False, number_year__isnull=False, issued_on__isnull=False),
                name="letter_issued_has_number",
            ),
        ]
        indexes = [models.Index(fields=["state", "response_due"], name="letter_state_due")]

    def __str__(self):
        return f"{self.reference or self.get_kind_display()} · {self.department}"

    @property
    def response_overdue(self) -> bool:
        """The department still owes its response and the deadline has passed (projects.letters.overdue
        asks the same in the database)."""
        return self.state in AWAITING_RESPONSE and self.response_due < timezone.localdate()

    @property
    def reference(self) -> str:
        """白发改督〔2025〕3号; empty for a draft."""
        if self.number is None:
            return ""
        return _("%(prefix)s〔%(year)s〕%(number)s号") % {
            "prefix": settings.PORTFOLIO_LETTER_PREFIX, "year": self.number_year, "number": self.number}


class SupervisionLetterItem(models.Model):
    """A project a letter is about, with the reason in words as it stood when the letter was drafted."""

    letter = models.ForeignKey(SupervisionLetter, on_delete=models.CASCADE, related_name="items")
    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="+")
    colour = models.CharField(_("预警"), max_length=10)
    reason = models.TextField(_("预警原因"))
    # The warning was computed from generated data (a sample project, or a report project's sample
    # figures): every output of the letter says so.
    is_sample = models.BooleanField(_("样例数据"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["letter", "position"]
        constraints = [models.UniqueConstraint(fields=["letter", "project"], name="letter_item_unique_project")]

    def __str__(self):
        return f"{self.letter_id} · {self.project_id}"

    @property
    def colour_label(self) -> str:
        from .progress import WarningColour

        return str(WarningColour(self.colour).label) if self.colour in WarningColour.values else self.colour
