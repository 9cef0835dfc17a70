"""Code lists of the projects app.

Project status and milestone codes follow OC4IDS 0.9.4 (codelists projectStatus and
milestoneCode) where it has them; 停工, 封顶, 签约, 用地批复 and 通车 are local additions.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    BUREAU = "bureau", _("区直部门")
    TOWN = "town", _("镇")
    STREET = "street", _("街道")
    STATE_OWNED = "state_owned", _("区属国企")
    OTHER = "other", _("其他单位")


class ProgrammeLevel(models.TextChoices):
    DISTRICT = "district", _("区重点项目")
    CITY = "city", _("市重点项目")


class ProjectCategory(models.TextChoices):
    INDUSTRY = "industry", _("产业项目")
    TRANSPORT = "transport", _("交通基础设施")
    MUNICIPAL = "municipal", _("市政基础设施")
    URBAN_RENEWAL = "urban_renewal", _("城市更新")
    SOCIAL = "social", _("社会民生")
    ECOLOGY = "ecology", _("生态环保")
    AGRICULTURE = "agriculture", _("农业农村")
    OTHER = "other", _("其他")


class RecordKind(models.TextChoices):
    """What a record the report names is: a project being built or run as a project, or a place it
    mentions (an airport, a platform, an area, a hospital's accreditation) that is no project of a
    programme. The sample generator counts only projects in a programme."""

    PROJECT = "project", _("建设项目")
    PLACE = "place", _("设施、平台或区域")


class ProjectStatus(models.TextChoices):
    # OC4IDS projectStatus codes, with 停工 (suspended) as the local addition.
    IDENTIFICATION = "identification", _("谋划储备")
    PREPARATION = "preparation", _("前期工作")
    IMPLEMENTATION = "implementation", _("在建")
    COMPLETION = "completion", _("建成")
    MAINTENANCE = "maintenance", _("投产运营")
    SUSPENDED = "suspended", _("停工")
    CANCELLED = "cancelled", _("取消")


class MilestoneKind(models.TextChoices):
    APPROVAL = "approval", _("立项")
    LAND = "land", _("用地批复")
    SIGNING = "signing", _("签约")
    START = "start", _("开工")
    TOPPING_OUT = "topping_out", _("封顶")
    COMPLETION = "completion", _("竣工")
    OPENING = "opening", _("通车")
    OPERATION = "operation", _("投产/投用")
    OTHER = "other", _("其他节点")


class DatePrecision(models.TextChoices):
    """How exact a date is: the report often says only 上半年 or 年内."""

    DAY = "day", _("日")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    HALF_YEAR = "half_year", _("半年")
    YEAR = "year", _("年")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


class LetterKind(models.TextChoices):
    """The bureau's instruments on warned projects: a reminder for yellow, supervision for red."""

    REMINDER = "reminder", _("提醒函")
    SUPERVISION = "supervision", _("督办函")


class LetterState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已发出")
    RECEIVED = "received", _("已签收")
    RESPONDED = "responded", _("已回复")
    CLOSED = "closed", _("已办结")
    ESCALATED = "escalated", _("已升级")


# The states in which a department still owes the bureau its response to a letter.
AWAITING_RESPONSE = (LetterState.ISSUED, LetterState.RECEIVED)
