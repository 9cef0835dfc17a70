"""Read a rendered HTML form back into POST data, as a browser would submit it unchanged."""

from html.parser import HTMLParser


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
