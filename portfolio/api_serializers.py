"""The strict base of every API serializer: explicit fields, strict input, a description for every field.

Input is strict: a field the serializer does not declare answers 400, and so does a read-only field
sent with a value other than the current one (a client may send back what it read). Which fields
a role may change is not decided here but by the services (the policy), which answer 403. Related
rows a client may name are the ones the policy lets it see. Imports no feature app.
"""

import math
from collections.abc import Mapping

from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField
from rest_framework.settings import api_settings

from portfolio.text import enumerated

from .policy import Action, restrict

# The keys the error answer gives a meaning of its own (portfolio.api_schema.error_schema): detail, its one
# text, and the errors of the record as a whole.
ERROR_KEYS = frozenset({"detail", api_settings.NON_FIELD_ERRORS_KEY})
COMMON_DESCRIPTIONS = {
    "id": _("记录编号，由系统生成。"),
    "created_at": _("创建时间，由系统记录。"),
    "updated_at": _("最后修改时间，由系统记录。"),
    "version": _("版本号，每次保存加一。响应头 ETag 由它得出，修改时须在 If-Match 中提交。"),
    "code": _("编码，唯一。"),
    "name": _("名称。"),
    "note": _("说明。"),
    "unit": _("计量单位，例如：亿元、%。"),
}


class StrictInputMixin:
    """Refuse undeclared fields and changes to read-only ones; describe every field for the schema."""

    descriptions: Mapping = {}
    create_only_fields: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        updating = self.instance is not None and not isinstance(self.instance, models.QuerySet | list)
        model = getattr(getattr(self, "Meta", None), "model", None)
        provenance = getattr(model, "PROVENANCE_FIELDS", ())
        for name, field in fields.items():
            if (updating and name in self.create_only_fields) or name in provenance:
                # Where a record comes from is never the client's to say (portfolio.models.SourcedModel).
                field.read_only, field.required = True, False
            relation = field.child_relation if isinstance(field, ManyRelatedField) else field
            if isinstance(relation, PrimaryKeyRelatedField) and relation.queryset is not None:
                # A client can name only what it may see: the same 404 as anywhere else.
                relation.queryset = restrict(relation.queryset, user, Action.VIEW)
            if not field.help_text:
                field.help_text = self.descriptions.get(name) or COMMON_DESCRIPTIONS.get(name) or field.label
        return fields

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors, reserved = {}, []
            for name, value in data.items():
                field = self.fields.get(name)
                if field is None and name in ERROR_KEYS:
                    reserved.append(name)
                elif field is None:
                    errors[name] = [_("未知字段。")]
                elif field.read_only and not self._unchanged(name, value):
                    errors[name] = [_("只读字段，不能通过接口设置或修改。")]
            if reserved:
                # An unknown key that the error answer itself uses (detail is its one text) is named in
                # the answer's overall errors instead of under its own name.
                errors.setdefault(api_settings.NON_FIELD_ERRORS_KEY, []).append(
                    ngettext("未知字段：%(names)s。", "未知字段：%(names)s。", len(reserved))
                    % {"names": enumerated(reserved)})
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def _unchanged(self, name, value) -> bool:
        if self.instance is None or isinstance(self.instance, models.QuerySet | list):
            return False
        if not hasattr(self, "_current_representation"):
            self._current_representation = self.to_representation(self.instance)
        return self._current_representation.get(name) == value


class RelatedIdField(PrimaryKeyRelatedField):
    """A related row by id; a number no id can be (1e400 decodes to infinity) is a wrong type, not a 500."""

    def to_internal_value(self, data):
        if isinstance(data, float) and not math.isfinite(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class StrictModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A model's fields as its ModelForm has them: a text's limit is the model field's max_length, the
    one the pages and the admin apply too (portfolio.models.long_text)."""

    serializer_related_field = RelatedIdField

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if "validators" in field_kwargs:
            # DRF's CharField refuses NUL itself: the model's copy of that rule would say it twice.
            field_kwargs["validators"] = [
                v for v in field_kwargs["validators"] if not isinstance(v, ProhibitNullCharactersValidator)]
        return field_class, field_kwargs


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    pass


class SummaryField(serializers.Field):
    """A read-only summary of a related row ({id, code, name}…), read straight from the joined row.

    A nested serializer per row costs as much as the row itself; this field reads a few attributes
    of what select_related/prefetch_related already loaded. The schema shows the summary
    serializer's component (extend_schema_field on the subclasses below).
    """

    attributes: tuple[str, ...] = ("id", "code", "name")
    many = False

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        return list(value.all()) if self.many and hasattr(value, "all") else value

    def to_representation(self, value):
        if self.many:
            return [{name: getattr(obj, name) for name in self.attributes} for obj in value]
        return {name: getattr(value, name) for name in self.attributes}


class PrefetchedManyRelatedField(ManyRelatedField):
    """Reads a many-to-many set from the list prefetched ``to_attr`` when there is one (no manager per row)."""

    def __init__(self, *args, prefetched_attr: str, **kwargs):
        self.prefetched_attr = prefetched_attr
        super().__init__(*args, **kwargs)

    def get_attribute(self, instance):
        prefetched = getattr(instance, self.prefetched_attr, None)
        return prefetched if prefetched is not None else super().get_attribute(instance)


def summary(field_class, source, description, **kwargs):
    return field_class(source=source, help_text=description, **kwargs)
