"""The base of every API v1 viewset: the one policy, the services, ETags and stable pages.

A viewset here is mostly declaration (model, serializer, FilterSet, ordering and search fields);
this module does the rest the same way for every resource:
- reads start from ``restrict(queryset, user, VIEW)``: what a user may not see answers 404;
- the action is checked against the policy's ``can`` for the model (403), the object-level
  rules are the services' (403/404/409/412);
- every write goes through the versioned saves (portfolio.records), or a viewset's own use-case
  service (``perform_*``);
- a response that carries one record carries its ETag; PUT and PATCH require If-Match (428 when
  missing, 412 when it is not the current ETag) and change nothing when refused.

How errors are answered is the API's setting (REST_FRAMEWORK's EXCEPTION_HANDLER: the feature
apps' exceptions are theirs to map). Imports no feature app.
"""

import hashlib
import json

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters, permissions, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from . import records
from .api_parsers import BoundedJSONParser
from .api_rows import Computed, ValuesRepresentation
from .api_schema import PortfolioAutoSchema
from .policy import Action, can, restrict
from .token_auth import TokenAuthentication


class PreconditionFailed(exceptions.APIException):
    """The If-Match header names a version that is no longer the current one."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("该记录已被他人修改，您的保存未生效。请重新读取后再修改（If-Match 与当前 ETag 不符）。")
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    """A change was sent without If-Match: it could silently overwrite someone else's edit."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _("修改须带 If-Match 请求头，其值为读取该记录时响应中的 ETag。")
    default_code = "precondition_required"

# The view action (DRF's name) -> the policy's action.
POLICY_ACTIONS = {
    "list": Action.VIEW,
    "retrieve": Action.VIEW,
    "metadata": Action.VIEW,
    "create": Action.ADD,
    "update": Action.CHANGE,
    "partial_update": Action.CHANGE,
    "destroy": Action.DELETE,
}


class PolicyPermission(permissions.BasePermission):
    """May this user take this action on this kind of record at all? (the policy's ``can``)"""

    message = _("您没有权限执行此操作。")

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        action = view.policy_action()
        return action is None or can(request.user, action, model=view.model)


class PortfolioPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        descriptions = {
            "count": _("符合条件的记录总数。"),
            "next": _("下一页的地址；没有下一页时为空。"),
            "previous": _("上一页的地址；没有上一页时为空。"),
            "results": _("本页的记录。"),
        }
        for name, description in descriptions.items():
            response["properties"][name]["description"] = str(description)
        response["description"] = str(_("分页列表：每页默认50条，page_size 最多1000条。"))
        return response


class SearchFilter(filters.SearchFilter):
    """DRF's search, whose refusal (a NUL character) names the parameter like every other 400."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as exc:
            raise ValidationError({self.search_param: exc.detail}) from exc


class DeclaredOrderingFilter(filters.OrderingFilter):
    """DRF's ordering, limited to the view's ``ordering_fields``, which the schema lists as an enum."""

    def get_schema_operation_parameters(self, view):
        terms = [term for name in view.ordering_fields for term in (name, f"-{name}")]
        return [{
            "name": self.ordering_param,
            "required": False,
            "in": "query",
            "description": str(_("排序字段，逗号分隔，前加“-”表示降序；最后总按编号排序，分页稳定。")),
            "schema": {"type": "array", "items": {"type": "string", "enum": terms}},
            "style": "form",
            "explode": False,
        }]


def stable_order(queryset: QuerySet) -> QuerySet:
    """Whatever the requested order, end it with the primary key so that pages never overlap."""
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    if not any(isinstance(term, str) and term.lstrip("-") in ("pk", "id") for term in ordering):
        ordering.append("pk")
    return queryset.order_by(*ordering)


def representation_etag(data) -> str:
    payload = json.dumps(data, cls=JSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f'"{hashlib.sha256(payload.encode()).hexdigest()[:32]}"'


def parse_if_match(header: str) -> list[str]:
    """The entity tags of an If-Match header, weak ones compared by their opaque part."""
    tags = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag:
            tags.append(tag)
    return tags


class PortfolioViewSet(viewsets.ModelViewSet):
    """CRUD for one model through the policy and the services; subclasses declare, this class acts."""

    model: type[Model]
    # Token first: an anonymous request then answers 401 with WWW-Authenticate, not 403.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [PolicyPermission]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    pagination_class = PortfolioPagination
    filter_backends = [DjangoFilterBackend, SearchFilter, DeclaredOrderingFilter]
    ordering_fields: list[str] = []
    schema = PortfolioAutoSchema()
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    # Many-to-many fields are written after the row (services take them apart from the data).
    m2m_fields: tuple[str, ...] = ()
    extra_policy_actions: dict[str, Action] = {}
    # The JSON list read straight from .values() (portfolio.api_rows), with these computed fields;
    # None: through the serializer, row by row.
    values_list_computed: dict[str, Computed] | None = None

    def policy_action(self) -> Action | None:
        return {**POLICY_ACTIONS, **self.extra_policy_actions}.get(self.action)

    def get_queryset(self):
        return restrict(super().get_queryset(), self.request.user, Action.VIEW)

    def filter_queryset(self, queryset):
        return stable_order(super().filter_queryset(queryset))

    # ETags -----------------------------------------------------------------------------------------

    @property
    def versioned(self) -> bool:
        return any(f.name == "version" for f in self.model._meta.concrete_fields)

    def etag(self, instance, data=None) -> str:
        if self.versioned:
            return f'"{instance.version}"'
        if data is None:
            data = self.get_serializer(instance).data
        return representation_etag(data)

    def check_if_match(self, instance, *, required: bool) -> int | None:
        """Refuse a change whose If-Match is missing (428) or not the current ETag (412).

        Returns the version the client read (for the service's own check), None without a version.
        """
        header = self.request.headers.get("If-Match", "").strip()
        if not header:
            if required:
                raise PreconditionRequired()
            return None
        tags = parse_if_match(header)
        if "*" in tags:
            # "Any current version" is no precondition at all: refused where one is required.
            if required:
                raise PreconditionRequired(_("If-Match 须为读取该记录时得到的 ETag，不接受“*”。"))
            return None
        if self.etag(instance) not in tags:
            raise PreconditionFailed()
        return instance.version if self.versioned else None

    def locked_object(self):
        """The object, re-read after locking its row: what If-Match is compared with stays current."""
        instance = self.get_object()
        list(self.model._default_manager.select_for_update().filter(pk=instance.pk).values_list("pk"))
        return self.get_object()

    def object_response(self, instance, status=200, headers=None) -> Response:
        """One record, read again through the list queryset (fresh relations), with its ETag."""
        instance = self.get_queryset().get(pk=instance.pk)
        data = self.get_serializer(instance).data
        return Response(data, status=status, headers={"ETag": self.etag(instance, data), **(headers or {})})

    # Reads -----------------------------------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        if self.values_list_computed is None or request.accepted_renderer.format != "json":
            return super().list(request, *args, **kwargs)
        representation = self.values_representation()
        queryset = representation.queryset(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(representation.rows(queryset))
        return self.get_paginated_response(representation.rows(page))

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        data = self.get_serializer(instance).data
        return Response(data, headers={"ETag": self.etag(instance, data)})

    def values_representation(self) -> ValuesRepresentation:
        """The list's plan, made once per viewset (the serializer's fields are built for it once)."""
        cls = type(self)
        plan = cls.__dict__.get("_values_representation")
        if plan is None:
            serializer = self.get_serializer()
            plan = ValuesRepresentation(serializer, self.values_list_computed)
            # The plan keeps the serializer's fields (their converters need no context), not this request.
            serializer._context = {}
            cls._values_representation = plan
        return plan

    # Writes ----------------------------------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            instance = self.perform_create(serializer)
        location = request.build_absolute_uri(request.path + f"{instance.pk}/")
        return self.object_response(instance, status=201, headers={"Location": location})

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.get_object() if self.versioned else self.locked_object()
            expected_version = self.check_if_match(instance, required=True)
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            instance = self.perform_update(serializer, expected_version=expected_version)
        return self.object_response(instance)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            conditional = bool(request.headers.get("If-Match", "").strip())
            instance = self.locked_object() if conditional else self.get_object()
            self.check_if_match(instance, required=False)
            self.perform_destroy(instance)
        return Response(status=204)

    def split_m2m(self, validated_data: dict) -> tuple[dict, dict]:
        data = dict(validated_data)
        m2m = {name: data.pop(name) for name in self.m2m_fields if name in data}
        return data, m2m

    def perform_create(self, serializer):
        data, m2m = self.split_m2m(serializer.validated_data)
        instance = records.record_create(instance=self.model(**data), acting_user=self.request.user, m2m=m2m)
        serializer.instance = instance
        return instance

    def perform_update(self, serializer, *, expected_version=None):
        instance = serializer.instance
        data, m2m = self.split_m2m(serializer.validated_data)
        m2m = {
            name: values for name, values in m2m.items()
            if {obj.pk for obj in values} != set(getattr(instance, name).values_list("pk", flat=True))
        }
        user = self.request.user
        if not m2m:
            return records.record_update(
                instance=instance, data=data, acting_user=user, expected_version=expected_version
            )
        # A change to a many-to-many set: values are set in memory and the whole save is checked by
        # record_save (what changed is worked out against the stored row, the sets included).
        for name in records.changed_fields(instance, data):
            setattr(instance, name, data[name])
        return records.record_save(instance=instance, acting_user=user, expected_version=expected_version, m2m=m2m)

    def perform_destroy(self, instance):
        records.record_delete(instance=instance, acting_user=self.request.user)
