"""Form plumbing shared by the pages and the admin: the version a form was read at, and the errors of the
hidden fields a page writes (a version, a row's id), which a browser never shows beside their field.

Imports no feature app.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .records import MalformedVersion, expected


class VersionField(forms.CharField):
    """The record's version when the page was read (hidden). A malformed one is refused with a message
    naming it; a missing one too when the field is required (an empty optional one is None)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("版本号"))
        kwargs.setdefault("error_messages", {}).setdefault(
            "required", _("保存请求没有带上您读取时的版本号，无法确认没有覆盖他人的修改，保存未生效。请刷新页面后再保存。"))
        super().__init__(**kwargs)

    def to_python(self, value):
        # Not stripped into something else and not cut: what was posted is what is judged.
        return value if isinstance(value, str) else ("" if value is None else str(value))

    def validate(self, value):
        super().validate(value)
        self.validate_version(value)

    def validate_version(self, value):
        if value in self.empty_values:
            return
        try:
            expected(value)
        except MalformedVersion as exc:
            raise forms.ValidationError(exc.message, code="version") from None

    def clean(self, value):
        value = super().clean(value)
        return None if value in self.empty_values else expected(value)


class HiddenErrorsShown:
    """A form mixin: the errors of its hidden fields are shown above the form, each named by its field,
    instead of being attached to an input nobody sees."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if field.widget.is_hidden and name in self._errors:
                label = str(field.label or name)
                for message in self._errors.pop(name):
                    named = message if label in message else _("%(field)s：%(message)s") % {"field": label, "message": message}
                    self.add_error(None, named)
        return cleaned
