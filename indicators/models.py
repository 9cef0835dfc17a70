"""Socio-economic indicators, their observed values per period and their targets."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from portfolio.models import SourcedModel, TimeStampedModel, long_text

from .choices import Comparator, IndicatorCategory, Qualifier, TargetPeriod


class IndicatorManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Indicator(TimeStampedModel):
    code = models.SlugField(_("编码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    category = models.CharField(
        _("类别"), max_length=20, choices=IndicatorCategory.choices, default=IndicatorCategory.OTHER
    )
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    higher_is_better = models.BooleanField(_("越高越好"), default=True)
    description = long_text(_("说明"), blank=True)

    objects = IndicatorManager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = pgettext_lazy("plural", "指标")
        ordering = ["category", "code"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class Observation(SourcedModel, TimeStampedModel):
    """A figure for a period: value (empty when the report gives only the growth), growth, rank."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="observations"
    )
    period_start = models.DateField(_("统计期起"))
    period_end = models.DateField(_("统计期止"))
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    qualifier = models.CharField(
        _("限定词"), max_length=20, choices=Qualifier.choices, blank=True, default=Qualifier.NONE
    )
    growth = models.DecimalField(
        _("同比增长（%）"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("负数表示同比下降。"),
    )
    rank = models.PositiveSmallIntegerField(
        _("全市排名"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    rank_subject = models.CharField(
        _("排名口径"), max_length=40, blank=True, help_text=_("排名针对什么：增速、总量、增量……")
    )
    rank_scope = models.CharField(_("排名范围"), max_length=20, blank=True, default="")
    rank_note = models.CharField(
        _("排名表述"), max_length=60, blank=True, help_text=_("非数字的排名表述，例如：排名全市前列。")
    )
    note = long_text(_("说明"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("指标观测值")
        verbose_name_plural = pgettext_lazy("plural", "指标观测值")
        ordering = ["indicator", "-period_end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="observation_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(growth__isnull=False) | Q(rank__isnull=False)
                | ~Q(rank_note=""),
                name="observation_states_something",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "period_end"], name="observation_ind_period_idx")]

    def __str__(self):
        return f"{self.indicator} {self.period_start:%Y-%m}—{self.period_end:%Y-%m}"


class Target(SourcedModel, TimeStampedModel):
    """A full-year (or second-half) target for an indicator."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    period = models.CharField(
        _("目标期"), max_length=10, choices=TargetPeriod.choices, default=TargetPeriod.FULL_YEAR
    )
    value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    comparator = models.CharField(
        _("比较方式"), max_length=10, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    note = long_text(_("说明"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = pgettext_lazy("plural", "目标")
        ordering = ["indicator", "-year"]
        indexes = [models.Index(fields=["indicator", "year"], name="target_indicator_year_idx")]

    def __str__(self):
        return f"{self.indicator} {self.year}"
