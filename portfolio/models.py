"""Shared model plumbing: base classes and the record of loaded data sets."""

import functools
import uuid

import simple_history
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from knox.models import AuthToken
from simple_history.models import HistoricalRecords

# The longest free text (形象进度, problems, notes, quotes) any way in takes: pages, admin, API and imports
# all read it from the field (ModelForms and DRF's ModelSerializers from max_length, the services' full_clean
# from the validator). Long enough for a report's longest paragraph many times over, short enough that one
# field cannot swell a page, a table cell or a report.
TEXT_MAX_LENGTH = 20_000


def long_text(verbose_name, *, max_length: int = TEXT_MAX_LENGTH, **kwargs) -> models.TextField:
    """A free text with its limit in one place: max_length for forms and the API, validators for full_clean
    (a TextField's max_length alone is not validated) and a NUL character refused (PostgreSQL cannot store it)."""
    return models.TextField(
        verbose_name, max_length=max_length,
        validators=[MaxLengthValidator(max_length), ProhibitNullCharactersValidator()], **kwargs,
    )


@functools.cache
def _choice_labels(field: models.Field) -> dict:
    """A field's labels by value, built once (its choices are a fixed list)."""
    return {make_hashable(value): label for value, label in field.flatchoices}


def choice_label(field: models.Field, value):
    """The label of ``value`` among the field's choices (lazy: translated when shown), the value itself
    when it is none of them. Labels of a fixed list are built once per field; choices given as a callable
    are asked each time, as Django does."""
    if isinstance(field.choices, list | tuple):
        labels = _choice_labels(field)
    else:
        labels = dict(make_hashable(field.flatchoices))
    return labels.get(make_hashable(value), value)


def translated_labels(choices) -> dict:
    """A choice list's labels by value as text in the active language, translated once: for a loop over
    many rows, where each lazy label would be translated again on every row."""
    return {value: str(label) for value, label in choices}


class LabelledChoicesModel(models.Model):
    """``get_<field>_display()`` from labels built once per field instead of on every call.

    Django's own builds a dict of the field's every choice on each call; a list page of 50 projects
    calls it 100 times, an export of 100,000 projects 200,000 times. Same result (``choice_label``).
    """

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        return force_str(choice_label(field, getattr(self, field.attname)), strings_only=True)


class TimeStampedModel(LabelledChoicesModel):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class SourcedModel(LabelledChoicesModel):
    """A record that may come from the published report (with the quote) or be generated sample data.

    Where it comes from is set where it comes from (the report's loader, the sample generator, an import
    that is itself the source), shown everywhere and changed by no user: the admin shows these fields
    read-only, the API refuses them, the services refuse them (portfolio.policy.unwritable_fields).
    """

    PROVENANCE_FIELDS: tuple[str, ...] = ("source_quote", "is_synthetic")

    source_quote = long_text(
        _("来源原文"),
        blank=True,
        help_text=_("报告中的原文摘录，须与报告文本逐字一致；为空表示非报告数据。"),
    )
    is_synthetic = models.BooleanField(
        _("样例数据"),
        default=False,
        db_index=True,
        help_text=_("由样例生成器生成，仅供演示、培训和性能测试，不是真实数据。"),
    )

    class Meta:
        abstract = True


class DatasetLoad(models.Model):
    """Which data set was loaded with which checksum, so that a second load changes nothing."""

    name = models.CharField(_("数据集"), max_length=200, unique=True)
    checksum = models.CharField(_("校验和"), max_length=64)
    loaded_at = models.DateTimeField(_("载入时间"), auto_now=True)

    class Meta:
        verbose_name = _("数据载入记录")
        verbose_name_plural = pgettext_lazy("plural", "数据载入记录")

    def __str__(self):
        return self.name


class ReportJob(models.Model):
    """A report file rendered in the background for the user who asked (portfolio.celery).

    ``key`` names the report: who asked, which report with which parameters, in which language and
    format, over which version of the data. While a job with the same key is queued, running or done,
    asking again gives that job (the file is not rendered twice); a failed one may be asked again.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("生成失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_jobs",
                             verbose_name=_("申请人"))
    kind = models.CharField(_("报告"), max_length=40)
    fmt = models.CharField(_("格式"), max_length=8)
    params = models.JSONField(_("参数"), default=dict)
    language = models.CharField(_("语言"), max_length=10)
    key = models.CharField(_("标识"), max_length=64)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    stage = models.CharField(_("当前步骤"), max_length=100, blank=True)
    projects = models.PositiveIntegerField(_("项目数"), default=0)
    file = models.FileField(_("文件"), upload_to="reports/%Y/%m/", blank=True)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    fallback_filename = models.CharField(max_length=255, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报告生成任务")
        verbose_name_plural = pgettext_lazy("plural", "报告生成任务")
        ordering = ["-created_at"]
        constraints = [
            # One live job per report and data version: the same file is never rendered twice at once.
            models.UniqueConstraint(fields=["key"], condition=~models.Q(state="failed"), name="one_live_job_per_key"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.kind} {self.fmt} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
class ApiToken(AuthToken):
    """django-rest-knox's API token under the platform's name, for the admin (the table is knox's)."""

    class Meta:
        proxy = True
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")


# Users and groups: the administrator changes them in the admin, imports create department editors, and
# a role is a group; who was given which role, deactivated or renamed, and by whom, is in their history
# (portfolio's tables: the models are Django's). Password hashes stay out of the history.


class AccountRecords(HistoricalRecords):
    """A user's history without logins: Django's update of last_login on each login is nobody's change."""

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= {"last_login"}:
            return
        super().post_save(instance, created, using=using, **kwargs)


simple_history.register(
    get_user_model(), app="portfolio", records_class=AccountRecords, excluded_fields=["password", "last_login"],
    m2m_fields=["groups", "user_permissions"],
)
simple_history.register(Group, app="portfolio", m2m_fields=["permissions"])
