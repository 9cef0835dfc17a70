"""What each import reads and how a row becomes a record: the project list, the department list, editor accounts.

A resource (django-import-export) per sheet: its columns (header, aliases, help for the template),
the widget that reads each cell, how a row finds its record, and the save, which goes through the
same services and policy as the pages (``record_create``, ``project_update``, ``record_save``).
Every row's outcome carries the changes field by field (old -> new) for the preview.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Model
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field

from portfolio.money import format_amount
from portfolio.policy import Action, Role, require
from portfolio.sheets import Column, listed

from .. import services
from ..choices import DatePrecision, DepartmentKind, MilestoneKind, ProjectCategory, ProjectStatus
from ..models import Department, DepartmentMembership, Milestone, Programme, Project
from . import widgets as w

PROJECT_COLUMNS = [
    Column("code", gettext_lazy("项目编号"), ("编号", "项目代码", "代码", "项目编码"),
           help=gettext_lazy("唯一编号。已有项目按编号匹配；留空时按“所属计划+项目名称”匹配，新项目自动编号。"),
           example="2025-D-0001"),
    Column("name", gettext_lazy("项目名称"), ("名称", "项目"), required=True,
           help=gettext_lazy("项目全称。"), example="白云区示例产业园一期"),
    Column("programme", gettext_lazy("所属计划"), ("计划", "项目级别", "重点项目类别", "级别"),
           help=gettext_lazy("如“2025年区重点项目”；导入时选定计划的，可留空。"), example="2025年区重点项目"),
    Column("category", gettext_lazy("项目类别"), ("类别", "行业", "项目类型"),
           help=gettext_lazy("从下拉列表选择。"), example=gettext_lazy("产业项目")),
    Column("status", gettext_lazy("项目状态"), ("状态", "建设状态", "建设性质"),
           help=gettext_lazy("从下拉列表选择。"), example=gettext_lazy("在建")),
    Column("lead_department", gettext_lazy("牵头单位"), ("责任单位", "牵头部门", "主责单位"),
           help=gettext_lazy("单位全称，须已在单位名录中。"), example="广州市白云区发展和改革局"),
    Column("co_departments", gettext_lazy("配合单位"), ("协办单位", "配合部门"),
           help=gettext_lazy("多个单位用顿号“、”分隔。"), example=""),
    Column("town", gettext_lazy("所在镇街"), ("镇街", "属地", "所在镇（街）"),
           help=gettext_lazy("镇或街道全称，从下拉列表选择。"), example="钟落潭镇"),
    Column("location", gettext_lazy("建设地点"), ("地点", "项目地址"), help=gettext_lazy("文字说明。")),
    Column("total_investment", gettext_lazy("总投资（万元）"), ("总投资",), amount=True,
           help=gettext_lazy("万元；可写千分位，或带“亿元”（自动换算为万元）。"), example=120000),
    Column("annual_plan", gettext_lazy("年度计划投资（万元）"), ("年度计划投资", "年度计划", "年度投资计划"),
           amount=True, help=gettext_lazy("万元，不能大于总投资。"), example=30000),
    Column("planned_start", gettext_lazy("计划开工"), ("计划开工时间", "计划开工日期"),
           help=gettext_lazy("日期，如 2025-03-15；只知月份可写 2025年3月。"), example=dt.date(2025, 3, 15)),
    Column("actual_start", gettext_lazy("实际开工"), ("实际开工时间", "实际开工日期"),
           help=gettext_lazy("日期。"), example=""),
    Column("planned_completion", gettext_lazy("计划竣工"), ("计划竣工时间", "计划完工", "计划建成"),
           help=gettext_lazy("日期，不能早于计划开工。"), example=dt.date(2026, 12, 31)),
    Column("actual_completion", gettext_lazy("实际竣工"), ("实际竣工时间", "实际完工", "实际建成"),
           help=gettext_lazy("日期。"), example=""),
    Column("progress_summary", gettext_lazy("形象进度"), ("最新形象进度", "进展情况"),
           help=gettext_lazy("最新形象进度。"), example=""),
]

MILESTONE_COLUMNS = [
    Column("project", gettext_lazy("项目编号"), ("编号", "项目代码", "代码"), required=True,
           help=gettext_lazy("节点所属项目的编号，项目须已在项目清单中。"), example="2025-D-0001"),
    Column("kind", gettext_lazy("节点类型"), ("节点", "节点名称"), required=True,
           help=gettext_lazy("从下拉列表选择，如 开工、封顶、竣工。同一项目同一类型的节点按此匹配。"), example=gettext_lazy("开工")),
    Column("planned_date", gettext_lazy("计划日期"), ("计划时间", "计划完成时间"),
           help=gettext_lazy("日期，如 2025-03-15。"), example=dt.date(2025, 3, 15)),
    Column("planned_date_precision", gettext_lazy("计划日期精度"), ("计划精度",),
           help=gettext_lazy("日、月、季度、半年或年；只知道月份时选“月”。留空为“日”。"), example=""),
    Column("actual_date", gettext_lazy("实际日期"), ("实际时间", "实际完成时间"),
           help=gettext_lazy("日期；未完成的留空。"), example=""),
    Column("actual_date_precision", gettext_lazy("实际日期精度"), ("实际精度",),
           help=gettext_lazy("同计划日期精度。"), example=""),
    Column("note", gettext_lazy("说明"), ("备注",), help=gettext_lazy("文字说明。"), example=""),
]

DEPARTMENT_COLUMNS = [
    Column("code", gettext_lazy("单位编码"), ("编码", "代码", "单位代码"), required=True,
           help=gettext_lazy("唯一编码，字母、数字、短横线，如 fgj。"), example="shili"),
    Column("name", gettext_lazy("单位名称"), ("名称", "单位全称", "单位"), required=True,
           help=gettext_lazy("单位全称，在项目清单中按此名称引用。"), example="白云区示例单位"),
    Column("kind", gettext_lazy("单位类型"), ("类型",), required=True,
           help=gettext_lazy("从下拉列表选择。"), example=gettext_lazy("区直部门")),
]

EDITOR_COLUMNS = [
    Column("name", gettext_lazy("姓名"), ("名字", "填报人"), required=True, help=gettext_lazy("填报员姓名。"),
           example="示例姓名"),
    Column("department", gettext_lazy("所属单位"), ("单位", "单位名称", "部门"), required=True,
           help=gettext_lazy("单位全称，须已在单位名录中。"), example="广州市白云区发展和改革局"),
    Column("email", gettext_lazy("电子邮箱"), ("邮箱", "email", "e-mail"), required=True,
           help=gettext_lazy("账号以邮箱登录；设置密码的链接发到此邮箱，密码不通过邮件发送。"),
           example="shili@example.invalid"),
]


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class RowOutcome:
    """One row of the preview: its number in the file, what it would do, to what, and why not."""

    number: int
    kind: str  # new | update | skip | error
    name: str = ""
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pk: int | None = None
    version: int | None = None


def shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Model):
        return getattr(value, "name", str(value))
    if isinstance(value, list | tuple | set):
        return listed(shown(item) for item in value) or "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "as_tuple"):
        return format_amount(value)
    return str(value)


class PortfolioResource(resources.ModelResource):
    """The shared part: columns by key, the acting user, the versions read at preview, the outcomes."""

    columns: list[Column] = []

    class Meta:
        # Every resource: rows validated by the model, unchanged rows skipped and reported, each
        # row's instance kept for the preview, no HTML diff (the changes are listed field by
        # field), and the whole import in one transaction.
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        store_instance = True
        skip_diff = True
        use_transactions = True

    def __init__(self, *, acting_user, reason: str, versions: dict | None = None, **kwargs):
        self.acting_user = acting_user
        self.reason = reason
        self.versions = versions or {}
        self.outcomes: dict[int, RowOutcome] = {}
        self.labels = {column.key: str(column.label) for column in self.columns}
        super().__init__(**kwargs)

    def display(self, instance, key: str) -> str:
        value = getattr(instance, key, None)
        widget = self.fields[key].widget
        if isinstance(widget, w.ChoiceWidget):
            return widget.render(value) or "—"
        return shown(value)

    def import_instance(self, instance, row, **kwargs):
        keys = [key for key in self.labels if key in row and key in self.fields]
        before = {key: self.display(instance, key) if instance.pk else "—" for key in keys}
        try:
            self.import_values(instance, row, **kwargs)
        finally:
            outcome = self.outcomes.setdefault(row["row"], RowOutcome(number=row["row"], kind=""))
            outcome.changes = [
                Change(self.labels[key], before[key], after)
                for key in keys
                if (after := self.display(instance, key)) != before[key]
            ]

    def import_values(self, instance, row, **kwargs):
        """Set the row's values on the record (ValidationError by field for what cannot be read)."""
        super().import_instance(instance, row, **kwargs)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return bool(instance.pk) and not import_validation_errors and not self.outcomes[row["row"]].changes

    def after_import_row(self, row, row_result, **kwargs):
        outcome = self.outcomes.setdefault(row["row"], RowOutcome(number=row["row"], kind=""))
        outcome.kind = {"new": "new", "update": "update", "skip": "skip"}.get(row_result.import_type, "error")
        instance = row_result.instance
        if instance is not None:
            outcome.pk, outcome.name = instance.pk, str(getattr(instance, "name", instance))
            outcome.version = getattr(instance, "_read_version", None)

    def named(self, instance):
        """The history row of this save names the import (the services record the acting user)."""
        instance._change_reason = self.reason
        return instance

    def do_instance_save(self, instance, is_create):
        """Through the generic versioned saves, with the version the preview read."""
        self.named(instance)
        if is_create:
            services.record_create(instance=instance, acting_user=self.acting_user)
        else:
            services.record_save(instance=instance, acting_user=self.acting_user,
                                 expected_version=self.versions.get(instance.pk, getattr(instance, "_read_version", None)))


class ProjectResource(PortfolioResource):
    columns = PROJECT_COLUMNS
    code = Field("code", "code", widget=w.TextWidget(), saves_null_values=False)
    name = Field("name", "name", widget=w.TextWidget(), saves_null_values=False)
    programme = Field("programme", "programme", saves_null_values=False)
    category = Field("category", "category", widget=w.ChoiceWidget(ProjectCategory), saves_null_values=False)
    status = Field("status", "status", widget=w.ChoiceWidget(ProjectStatus), saves_null_values=False)
    lead_department = Field("lead_department", "lead_department", widget=w.DepartmentWidget(),
                            saves_null_values=False)
    co_departments = Field("co_departments", "co_departments", widget=w.DepartmentsWidget(),
                           saves_null_values=False)
    town = Field("town", "town", widget=w.DepartmentWidget(kinds=[DepartmentKind.TOWN, DepartmentKind.STREET]),
                 saves_null_values=False)
    location = Field("location", "location", widget=w.TextWidget(), saves_null_values=False)
    total_investment = Field("total_investment", "total_investment", widget=w.AmountWidget(), saves_null_values=False)
    annual_plan = Field("annual_plan", "annual_plan", widget=w.AmountWidget(), saves_null_values=False)
    planned_start = Field("planned_start", "planned_start", widget=w.DateWidget(), saves_null_values=False)
    actual_start = Field("actual_start", "actual_start", widget=w.DateWidget(), saves_null_values=False)
    planned_completion = Field("planned_completion", "planned_completion", widget=w.DateWidget(),
                               saves_null_values=False)
    actual_completion = Field("actual_completion", "actual_completion", widget=w.DateWidget(),
                              saves_null_values=False)
    progress_summary = Field("progress_summary", "progress_summary", widget=w.TextWidget(), saves_null_values=False)

    class Meta:
        model = Project
        fields = [column.key for column in PROJECT_COLUMNS]

    def __init__(self, *, programme: Programme | None = None, **kwargs):
        super().__init__(**kwargs)
        self.programme = programme
        self.fields["programme"].widget = w.ProgrammeWidget(default=programme)
        self.claimed: dict[int, int] = {}
        self.taken: dict[str, set[str]] = {}  # codes in use, by prefix (_new_code)

    def display(self, instance, key):
        if key == "co_departments":
            if hasattr(instance, "_co_departments"):  # read from the row
                return shown(instance._co_departments)
            return shown(list(instance.co_departments.all()) if instance.pk else [])
        return super().display(instance, key)

    def before_import(self, dataset, **kwargs):
        codes = {w.text(code) for code in dataset["code"] if not w.blank(code)} if "code" in dataset.headers else set()
        names = {w.text(name) for name in dataset["name"] if not w.blank(name)}
        found = Project.objects.filter(code__in=codes) | Project.objects.filter(name__in=names)
        self.by_code = {}
        self.by_name: dict[tuple, list[Project]] = {}
        for project in found.select_related("programme", "lead_department", "town").prefetch_related("co_departments"):
            self.by_code[project.code] = project
            self.by_name.setdefault((project.programme_id, project.name), []).append(project)

    def _programme_of(self, row):
        try:
            return self.fields["programme"].clean(row) if "programme" in row else self.programme
        except ValueError:
            return None  # the row's own error is reported when the field is imported

    def get_or_init_instance(self, instance_loader, row):
        code = None if w.blank(row.get("code")) else w.text(row["code"])
        name = None if w.blank(row.get("name")) else w.text(row["name"])
        if not name:
            raise ValidationError({"name": _("项目名称不能为空。")})
        programme = self._programme_of(row)
        project = self.by_code.get(code) if code else None
        if project is None:
            same_name = self.by_name.get((programme.pk if programme else None, name), [])
            if not same_name and programme is not None:
                # A project whose programme is still 待补充 (a report project) is that programme's by its exact name.
                same_name = self.by_name.get((None, name), [])
            if len(same_name) > 1:
                raise ValidationError(_(
                    "“%(name)s”在该计划中有 %(count)s 个同名项目（%(codes)s），无法确定是哪一个。请填写项目编号。"
                ) % {"name": name, "count": len(same_name), "codes": listed(p.code for p in same_name)})
            if same_name and code:
                raise ValidationError({"code": _(
                    "该计划中已有同名项目“%(name)s”，编号为 %(stored)s，与本行的 %(code)s 不一致。请核对编号。"
                ) % {"name": name, "stored": same_name[0].code, "code": code}})
            project = same_name[0] if same_name else None
        if project is not None:
            project._read_version = project.version
            earlier = self.claimed.setdefault(project.pk, row["row"])
            if earlier != row["row"]:
                raise ValidationError(_("与第 %(row)s 行是同一个项目（%(code)s），同一项目只能出现一次。")
                                      % {"row": earlier, "code": project.code})
            return project, False
        return Project(code=code or "", is_synthetic=False), True

    def get_import_fields(self):
        return [field for field in super().get_import_fields() if field.attribute != "co_departments"]

    def import_values(self, instance, row, **kwargs):
        errors = {}
        if "co_departments" in row and not w.blank(row["co_departments"]):
            try:
                instance._co_departments = self.fields["co_departments"].clean(row)
            except ValueError as exc:
                errors["co_departments"] = ValidationError(str(exc))
        try:
            super().import_values(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "programme" not in row and instance.pk is None:
            instance.programme = self.programme
        if not instance.code:
            instance.code = self._new_code(instance)
        if errors:
            raise ValidationError(errors)

    def _new_code(self, instance) -> str:
        """The programme's next free code (2025-D-0001): the taken ones read once per prefix an import."""
        prefix = f"{instance.programme.year}-{instance.programme.level[0].upper()}-" if instance.programme else "P-"
        if prefix not in self.taken:
            self.taken[prefix] = set(Project.objects.filter(code__startswith=prefix).values_list("code", flat=True))
        taken = self.taken[prefix]
        number = len(taken) + 1
        while f"{prefix}{number:04d}" in taken:
            number += 1
        taken.add(f"{prefix}{number:04d}")
        return f"{prefix}{number:04d}"

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The cells that could not be read, with the model's other complaints about the row; a readable
        row is validated once, by the service that saves it (its ValidationError marks the row too)."""
        errors = dict(import_validation_errors or {})
        if instance._state.adding and Project.objects.filter(code=instance.code).exists():
            errors["code"] = _("项目编号 %(code)s 已被另一项目使用。") % {"code": instance.code}
        if errors:
            super().validate_instance(instance, errors, validate_unique=False)

    def do_instance_save(self, instance, is_create):
        self.named(instance)
        co = getattr(instance, "_co_departments", None)
        if is_create:
            services.record_create(instance=instance, acting_user=self.acting_user,
                                   m2m={"co_departments": co} if co else None)
            return
        stored = Project.objects.get(pk=instance.pk)
        self.named(stored)
        names = [key for key in self.labels if key in self.fields and key != "co_departments"]
        updated = services.project_update(
            project=stored, data={name: getattr(instance, name) for name in names}, co_departments=co,
            acting_user=self.acting_user, expected_version=self.versions.get(instance.pk, instance.version),
        )
        instance.version = updated.version

    def save_m2m(self, instance, row, **kwargs):
        """The co-departments were saved with the record (do_instance_save)."""


class DepartmentResource(PortfolioResource):
    columns = DEPARTMENT_COLUMNS
    code = Field("code", "code", widget=w.TextWidget(), saves_null_values=False)
    name = Field("name", "name", widget=w.TextWidget(), saves_null_values=False)
    kind = Field("kind", "kind", widget=w.ChoiceWidget(DepartmentKind), saves_null_values=False)

    class Meta:
        model = Department
        fields = [column.key for column in DEPARTMENT_COLUMNS]

    def before_import(self, dataset, **kwargs):
        self.stored = list(Department.objects.all())
        self.claimed = {}

    def get_or_init_instance(self, instance_loader, row):
        code = None if w.blank(row.get("code")) else w.text(row["code"])
        name = None if w.blank(row.get("name")) else w.text(row["name"])
        department = next((d for d in self.stored if d.code == code), None) or next(
            (d for d in self.stored if d.name == name), None
        )
        if department is None:
            return Department(is_synthetic=False), True
        earlier = self.claimed.setdefault(department.pk, row["row"])
        if earlier != row["row"]:
            raise ValidationError(_("与第 %(row)s 行是同一个单位（%(name)s），同一单位只能出现一次。")
                                  % {"row": earlier, "name": department.name})
        return department, False


class ProjectByCodeWidget(w.widgets.Widget):
    """A project by its code, among those the file names (loaded once)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.known: dict[str, Project] = {}

    def clean(self, value, row=None, **kwargs):
        if w.blank(value):
            raise ValueError(_("项目编号不能为空。"))
        project = self.known.get(w.text(value))
        if project is None:
            raise ValueError(_("没有编号为“%(code)s”的项目。请先导入项目清单。") % {"code": w.text(value)})
        return project

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class MilestoneResource(PortfolioResource):
    """Milestones (节点): one row a milestone, matched by project code and kind."""

    columns = MILESTONE_COLUMNS
    project = Field("project", "project", widget=ProjectByCodeWidget(), saves_null_values=False)
    kind = Field("kind", "kind", widget=w.ChoiceWidget(MilestoneKind), saves_null_values=False)
    planned_date = Field("planned_date", "planned_date", widget=w.DateWidget(), saves_null_values=False)
    planned_date_precision = Field("planned_date_precision", "planned_date_precision",
                                   widget=w.ChoiceWidget(DatePrecision), saves_null_values=False)
    actual_date = Field("actual_date", "actual_date", widget=w.DateWidget(), saves_null_values=False)
    actual_date_precision = Field("actual_date_precision", "actual_date_precision",
                                  widget=w.ChoiceWidget(DatePrecision), saves_null_values=False)
    note = Field("note", "note", widget=w.TextWidget(), saves_null_values=False)

    class Meta:
        model = Milestone
        fields = [column.key for column in MILESTONE_COLUMNS]

    def display(self, instance, key):
        if key == "project":
            return instance.project.code if instance.project_id else "—"
        return super().display(instance, key)

    def before_import(self, dataset, **kwargs):
        codes = {w.text(code) for code in dataset["project"] if not w.blank(code)}
        projects = {p.pk: p for p in Project.objects.filter(code__in=codes)}
        self.fields["project"].widget.known = {p.code: p for p in projects.values()}
        self.stored: dict[tuple[int, str], list[Milestone]] = {}
        for milestone in Milestone.objects.filter(project__in=projects):
            milestone.project = projects[milestone.project_id]
            self.stored.setdefault((milestone.project_id, milestone.kind), []).append(milestone)
        self.claimed = {}

    def get_or_init_instance(self, instance_loader, row):
        try:
            project = self.fields["project"].clean(row)
            kind = self.fields["kind"].clean(row)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if kind is None:
            raise ValidationError({"kind": _("节点类型不能为空。")})
        same = self.stored.get((project.pk, kind), [])
        if len(same) > 1:
            raise ValidationError(_("项目 %(code)s 有 %(count)s 个“%(kind)s”节点，无法确定是哪一个；请在后台逐个修改。") % {
                "code": project.code, "count": len(same), "kind": MilestoneKind(kind).label})
        earlier = self.claimed.setdefault((project.pk, kind), row["row"])
        if earlier != row["row"]:
            raise ValidationError(_("与第 %(row)s 行是同一个节点，同一节点只能出现一次。") % {"row": earlier})
        if same:
            same[0]._read_version = same[0].version
            return same[0], False
        return Milestone(project=project, kind=kind, is_synthetic=False), True


class EditorResource(PortfolioResource):
    """Department editors: a user (the e-mail is the login) in the editors' group and the department.

    A new account has no usable password: its owner sets one through the link sent to the e-mail
    (``invitations.send_invitations``), so no password travels in clear.
    """

    columns = EDITOR_COLUMNS
    name = Field("first_name", "name", widget=w.TextWidget(), saves_null_values=False)
    email = Field("email", "email", widget=w.TextWidget(), saves_null_values=False)
    department = Field("department", "department", widget=w.DepartmentWidget(), saves_null_values=False)

    class Meta:
        model = get_user_model()
        fields = ["name", "email", "department"]
        clean_model_instances = False  # a user is checked by import_values (name, e-mail, department)

    def display(self, instance, key):
        if key == "department":
            return shown(getattr(instance, "_department", None) or self.memberships.get(instance.pk))
        return shown(getattr(instance, {"name": "first_name"}.get(key, key), None))

    def before_import(self, dataset, **kwargs):
        """The file's accounts (by e-mail, any case) and their departments, read once."""
        require(self.acting_user, Action.ADD, model=DepartmentMembership)
        self.invited = []
        self.claimed = {}
        emails = {w.text(email).lower() for email in dataset["email"] if not w.blank(email)}
        users = get_user_model().objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
        self.users = {user.email_lower: user for user in users.order_by("-pk")}  # the oldest account wins
        self.memberships = {
            m.user_id: m.department
            for m in DepartmentMembership.objects.filter(user__in=users).select_related("department")
        }

    def get_or_init_instance(self, instance_loader, row):
        email = "" if w.blank(row.get("email")) else w.text(row["email"]).lower()
        if not email:
            raise ValidationError({"email": _("电子邮箱不能为空。")})
        user = self.users.get(email)
        earlier = self.claimed.setdefault(email, row["row"])
        if earlier != row["row"]:
            raise ValidationError(_("与第 %(row)s 行是同一个邮箱（%(email)s），同一账号只能出现一次。")
                                  % {"row": earlier, "email": email})
        if user is not None:
            return user, False
        return get_user_model()(username=email, email=email, is_active=True), True

    def import_values(self, instance, row, **kwargs):
        errors = {}
        try:
            instance._department = self.fields["department"].clean(row)
        except ValueError as exc:
            errors["department"] = str(exc)
        email = w.text(row.get("email") or "").lower()
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("“%(value)s”不是有效的电子邮箱。") % {"value": email}
        if errors:
            raise ValidationError(errors)
        instance.first_name = w.text(row.get("name") or "") or instance.first_name
        instance.email = email

    def do_instance_save(self, instance, is_create):
        department = instance._department
        # The account's history names the import and who ran it (a command has no request to say so).
        self.named(instance)._history_user = self.acting_user
        if is_create:
            instance.set_unusable_password()
            instance.save()
            instance.groups.add(Group.objects.get(name=str(Role.EDITOR)))
            self.invited.append(instance)
        else:
            instance.save(update_fields=["first_name", "email"])
        membership = DepartmentMembership.objects.filter(user=instance).first()
        if membership is None:
            services.record_create(instance=self.named(DepartmentMembership(user=instance, department=department)),
                                   acting_user=self.acting_user)
        elif membership.department_id != department.pk:
            membership.department = department
            services.record_save(instance=self.named(membership), acting_user=self.acting_user)

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        outcome = self.outcomes[row["row"]]
        if row_result.instance is not None:
            outcome.name = row_result.instance.get_full_name() or row_result.instance.email
