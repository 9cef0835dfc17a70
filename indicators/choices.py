"""Code lists of the indicators app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorCategory(models.TextChoices):
    ECONOMY = "economy", _("经济总量")
    INVESTMENT = "investment", _("投资与项目")
    INDUSTRY = "industry", _("产业发展")
    CONSUMPTION = "consumption", _("消费与商贸")
    TRADE = "trade", _("对外开放")
    FISCAL = "fiscal", _("财政金融")
    INNOVATION = "innovation", _("科技创新")
    TRANSPORT = "transport", _("交通枢纽")
    URBAN = "urban", _("城市建设")
    ECOLOGY = "ecology", _("生态环境")
    AGRICULTURE = "agriculture", _("农业农村")
    LIVELIHOOD = "livelihood", _("民生保障")
    CULTURE = "culture", _("文化教育卫生")
    SAFETY = "safety", _("安全稳定")
    OTHER = "other", _("其他")


class Qualifier(models.TextChoices):
    """How the report qualifies a figure: 超640亿元, 约51亿元, 近…, 达…, 突破百亿, …以上."""

    NONE = "", _("（无）")
    OVER = "over", _("超")
    ABOUT = "about", _("约")
    NEARLY = "nearly", _("近")
    REACHED = "reached", _("达")
    BREAKTHROUGH = "breakthrough", _("突破")
    AT_LEAST = "at_least", _("以上")


class Comparator(models.TextChoices):
    AT_LEAST = "gte", _("不低于（以上）")
    AT_MOST = "lte", _("不高于（以内）")
    EQUAL = "eq", _("等于")
    ABOUT = "about", _("约")
    BREAKTHROUGH = "gt", _("突破")


class TargetPeriod(models.TextChoices):
    FULL_YEAR = "year", _("全年")
    SECOND_HALF = "h2", _("下半年")
