"""Shared model plumbing: base classes and the record of loaded data sets."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from knox.models import AuthToken


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class SourcedModel(models.Model):
    """A record that may come from the published report (with the quote) or be generated sample data."""

    source_quote = models.TextField(
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


class ApiToken(AuthToken):
    """django-rest-knox's API token under the platform's name, for the admin (the table is knox's)."""

    class Meta:
        proxy = True
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
