"""Read a rendered HTML form back into POST data, as a browser would submit it unchanged."""

import html
import re
from html.parser import HTMLParser

from django.urls import reverse

# The month the monthly-cycle pages are tested at.
YEAR, MONTH = 2025, 3


class _FormParser(HTMLParser):
    def __init__(self, form_id_suffix):
        super().__init__()
        self.suffix = form_id_suffix
        self.in_form = False
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._select_multiple = False
        self._option_value = None
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("id") or "").endswith(self.suffix):
            self.in_form = True
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self._select_multiple = "multiple" in a
            self.data.setdefault(name, [])
        elif tag == "option" and self._select is not None and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = []

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self.data.setdefault(self._textarea, []).append(text[1:] if text.startswith("\n") else text)
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_data(html: str, form_id_suffix: str = "_form") -> dict[str, list[str]]:
    """The values of the first form whose id ends with the suffix (Django admin: '<model>_form')."""
    parser = _FormParser(form_id_suffix)
    parser.feed(html)
    return {k: v for k, v in parser.data.items() if not (len(v) == 0 and k.endswith("_select"))}


# The monthly report pages: the entry page and the bulk sheet -------------------------------------

_TAG = re.compile(r"<input\b([^>]*)>()|<textarea\b([^>]*)>(.*?)</textarea>", re.S)
_ATTR = re.compile(r'([\w-]+)(?:="([^"]*)")?')


def form_fields(page: str, form_id: str) -> dict[str, str]:
    """Every named input and textarea of one form of the page, with the value the page shows."""
    match = re.search(rf'<form\b[^>]*id="{form_id}"[^>]*>(.*?)</form>', page, re.S)
    assert match, f"no form #{form_id} on the page"
    fields = {}
    for input_attrs, _none, textarea_attrs, body in _TAG.findall(match.group(1)):
        attributes = {k: html.unescape(v or "") for k, v in _ATTR.findall(input_attrs or textarea_attrs)}
        if "name" not in attributes:
            continue
        value = html.unescape(body.strip("\n")) if textarea_attrs else attributes.get("value", "")
        fields[attributes["name"]] = value
    return fields


def entry_url(project, year=YEAR, month=MONTH):
    return reverse("projects:report_entry", args=[project.pk, year, month])


def bulk_url(year=YEAR, month=MONTH, department=None):
    url = reverse("projects:bulk_entry") + f"?year={year}&month={month}"
    return url + (f"&department={department.pk}" if department else "")


def bulk_read(client, url) -> tuple[dict, dict[int, str]]:
    """The sheet's fields and, for each project pk, the prefix of its row."""
    page = client.get(url)
    assert page.status_code == 200
    data = form_fields(page.content.decode(), "bulk-form")
    rows = {int(v): k.removesuffix("-project") for k, v in data.items() if k.endswith("-project")}
    return data, rows
