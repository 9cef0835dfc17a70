"""How a cell of an imported sheet becomes a value: amounts, dates, code lists, departments, programmes.

Each widget accepts what people type in a bureau's sheet and raises ValueError with a message in the
user's language for what it cannot read; an empty cell is None (the import then keeps what is stored).
"""

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import override
from import_export import widgets

from portfolio.money import parse_amount, yi_to_wan
from portfolio.sheets import InYi, listed

from ..models import Department, Programme

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LIST_SEPARATORS = re.compile(r"[、,，;；/\n]+")
YI_SUFFIX = re.compile(r"(亿元|亿)$")
# Excel counts days from 1899-12-30; a plain number in a date column between these is such a day.
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_DAYS = range(20000, 80000)
DATE_TEXT = re.compile(
    r"^(?P<year>\d{4})\s*(?:[-/.年]\s*(?P<month>\d{1,2})\s*(?:[-/.月]\s*(?:(?P<day>\d{1,2})\s*日?)?)?)?\s*$"
)


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    """A cell as text: NFC, control characters (which break Word and Excel files) removed, trimmed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return CONTROL.sub("", unicodedata.normalize("NFC", str(value))).strip()


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return None if blank(value) else text(value)


class AmountWidget(widgets.Widget):
    """万元, as typed: 1,234.5 / １２３４．５ / 1234.5万元 / 12.3亿 (converted to 万元)."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, InYi):  # a column headed in 亿元: a bare number is 亿元, a written unit wins
            inner = value.value
            if isinstance(inner, int | float | Decimal) and not isinstance(inner, bool):
                return self.clean(yi_to_wan(Decimal(str(inner))))
            written = unicodedata.normalize("NFKC", text(inner))
            return self.clean(written if YI_SUFFIX.search(written) or written.endswith(("万元", "万"))
                              else f"{written}亿", shown=written)
        return self._clean(value, kwargs.get("shown"))

    def _clean(self, value, shown=None):
        if blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(_("“%(value)s”不是金额。") % {"value": value})
        if isinstance(value, int | float | Decimal):
            return Decimal(str(value))
        shown = shown if shown is not None else text(value)
        typed = unicodedata.normalize("NFKC", text(value)).replace(" ", "")
        in_yi = bool(YI_SUFFIX.search(typed))
        try:  # the pages' own reading of a typed amount (portfolio.money), in 亿元 when written so
            amount = parse_amount(YI_SUFFIX.sub("", typed))
        except ValueError:
            raise ValueError(_(
                "“%(value)s”不是金额。请填写万元数，例如 1200.5、3,210.5、3210.5万元或 1.2亿元。"
            ) % {"value": shown}) from None
        amount = yi_to_wan(amount) if in_yi else amount
        return amount.normalize() if amount == amount.to_integral() else amount


class DateWidget(widgets.Widget):
    """A date cell, an Excel day number, or text: 2025-03-15, 2025/3/15, 2025年3月15日, 2025年3月, 2025.3."""

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, int | float) and int(value) in EXCEL_DAYS:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        match = DATE_TEXT.match(unicodedata.normalize("NFKC", text(value)))
        try:
            if not match or not match["month"]:
                raise ValueError
            return dt.date(int(match["year"]), int(match["month"]), int(match["day"] or 1))
        except ValueError:
            raise ValueError(_(
                "“%(value)s”不是日期。请填写如 2025-03-15、2025/3/15、2025年3月15日 或 2025年3月。"
            ) % {"value": text(value)}) from None


class ChoiceWidget(widgets.Widget):
    """A code list's value by its Chinese or English label, or its code."""

    def __init__(self, choices: type[TextChoices], **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.lookup = {}
        for value, label in choices.choices:
            self.lookup[value.lower()] = value
            for language in ("zh-hans", "en"):
                with override(language):
                    self.lookup[str(label).lower()] = value

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        typed = unicodedata.normalize("NFKC", text(value)).lower()
        if typed in self.lookup:
            return self.lookup[typed]
        raise ValueError(_("“%(value)s”不是可选值。可填写：%(allowed)s。") % {
            "value": text(value), "allowed": listed(self.choices.labels),
        })

    def render(self, value, obj=None, **kwargs):
        return str(self.choices(value).label) if value else ""


class DepartmentWidget(widgets.Widget):
    """A department (or town/street) by its full name or code, from the department list already stored."""

    def __init__(self, kinds=None, **kwargs):
        super().__init__(**kwargs)
        self.kinds = kinds
        self.known = None

    def _load(self):
        if self.known is None:
            departments = Department.objects.all()
            if self.kinds:
                departments = departments.filter(kind__in=self.kinds)
            self.known = {}
            for department in departments:
                self.known[department.name] = self.known[department.code.lower()] = department
        return self.known

    def one(self, name: str) -> Department:
        department = self._load().get(name) or self._load().get(name.lower())
        if department is None:
            message = _("“%(value)s”不在镇街名录中。") if self.kinds else _(
                "“%(value)s”不在单位名录中。请填写单位全称，或先导入单位清单。"
            )
            raise ValueError(message % {"value": name})
        return department

    def clean(self, value, row=None, **kwargs):
        return None if blank(value) else self.one(unicodedata.normalize("NFKC", text(value)))

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class DepartmentsWidget(DepartmentWidget):
    """Several departments, separated by 、 , ; / or new lines."""

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        names = [name.strip() for name in LIST_SEPARATORS.split(unicodedata.normalize("NFKC", text(value)))]
        return [self.one(name) for name in dict.fromkeys(name for name in names if name)]

    def render(self, value, obj=None, **kwargs):
        return listed(department.name for department in value) if value else ""


class ProgrammeWidget(widgets.Widget):
    """A programme by its code (2025-district), its name, or 区重点项目 / 市重点项目 in the import's year."""

    def __init__(self, default: Programme | None = None, **kwargs):
        super().__init__(**kwargs)
        self.default = default
        self.known = {}
        for programme in Programme.objects.all():
            self.known[programme.code] = programme
            self.known[programme.name] = programme
            if default is not None and programme.year == default.year:
                self.known[str(programme.get_level_display())] = programme

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return self.default
        typed = unicodedata.normalize("NFKC", text(value))
        programme = self.known.get(typed) or self.known.get(typed.lower())
        if programme is None:
            raise ValueError(_("“%(value)s”不是已有的重点项目计划。可填写：%(allowed)s。") % {
                "value": typed, "allowed": listed(sorted(
                    name for name, p in self.known.items() if name == p.name
                )),
            })
        if self.default is not None and programme != self.default:
            raise ValueError(_("该行属于“%(row)s”，与本次导入选择的“%(chosen)s”不一致。") % {
                "row": programme.name, "chosen": self.default.name,
            })
        return programme

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""
