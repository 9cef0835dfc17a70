"""How every API view is drawn in the OpenAPI 3 schema (drf-spectacular): the documented errors too.

The schema says what the API really answers: besides each success, the error statuses an operation
can give (400 with field errors, 401, 403, 404, 409, 412, 428…), the If-Match request header of
PUT, PATCH and workflow actions and the ETag response header. Imports no feature app.
"""

import contextlib

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter

from .api_serializers import SummaryField

ERROR_DESCRIPTIONS = {
    "400": _("请求有误：JSON 格式错误、字段类型或取值不合法、未知字段、修改只读字段；响应列出各字段的错误。"),
    "401": _("未登录：请用会话登录，或在 Authorization 请求头中提供 Token。"),
    "403": _("您的角色不能执行此操作，或不能修改所提交的字段。"),
    "404": _("记录不存在或您无权查看。"),
    "409": _("与记录当前状态冲突：该状态不允许此流程操作，或记录仍被其他记录引用。"),
    "412": _("If-Match 与记录当前的 ETag 不符：记录已被他人修改，未作任何更改。"),
    "415": _("请求体须为 application/json。"),
    "428": _("修改须带 If-Match 请求头（读取记录时得到的 ETag）。"),
    "429": _("请求过于频繁，请稍后再试。"),
}
SUCCESS_DESCRIPTIONS = {"200": _("成功。"), "201": _("已创建；响应为新记录，Location 为其地址。"), "204": _("已删除。")}



def error_schema() -> dict:
    """Built when the schema is generated, so that its texts are in the language asked for."""
    return {
        "type": "object",
        "description": str(_("错误说明：detail 为总的说明；字段错误时，键为字段名（non_field_errors 为整体错误），"
                             "值为错误信息列表。")),
        "properties": {"detail": {"type": "string", "description": str(_("错误说明。"))}},
        "additionalProperties": {"description": str(_("该字段的错误信息。"))},
    }


class PortfolioAutoSchema(AutoSchema):
    """Adds If-Match, ETag and the documented error responses to every operation."""

    def _action(self) -> str | None:
        return getattr(self.view, "action", None)

    def _workflow_action(self) -> bool:
        """A workflow action of the view (its ``extra_policy_actions``): it moves a record's version on."""
        return self._action() in getattr(self.view, "extra_policy_actions", {})

    def _detail(self) -> bool:
        return "{" in self.path

    def _returns_record(self) -> bool:
        return self._action() in {"retrieve", "create", "update", "partial_update"} or self._workflow_action()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method in ("PUT", "PATCH") or self._workflow_action():
            parameters.append(OpenApiParameter(
                "If-Match", str, OpenApiParameter.HEADER, required=True,
                description=_("读取该记录时响应头 ETag 的值。缺少时答 428，与当前 ETag 不符时答 412，且不作任何更改。"),
            ))
        elif self.method == "DELETE":
            parameters.append(OpenApiParameter(
                "If-Match", str, OpenApiParameter.HEADER, required=False,
                description=_("可选：读取该记录时响应头 ETag 的值；与当前 ETag 不符时答 412，且不作任何更改。"),
            ))
        if self._returns_record() and getattr(self.view, "etag", None):
            parameters.append(OpenApiParameter(
                "ETag", str, OpenApiParameter.HEADER, response=[200, 201], required=True,
                description=_("记录当前版本的标识；修改时放在 If-Match 请求头中。"),
            ))
        return parameters

    def get_description(self):
        # View docstrings are for developers; the schema's texts are translatable.
        description = getattr(self.view, "schema_description", None)
        return str(description) if description else super().get_description()

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # Read-only fields are not part of a request (COMPONENT_SPLIT_REQUEST); the summary fields'
        # components have nothing to offer in that direction.
        if direction == "request" and field.read_only and isinstance(field, SummaryField):
            return None
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        meta = getattr(serializer, "Meta", None)
        description = getattr(serializer, "schema_description", None) or (
            meta.model._meta.verbose_name if meta is not None and hasattr(meta, "model") else None
        )
        if description:
            schema["description"] = str(description)
        return schema

    def _get_filter_parameters(self):
        """FilterSet fields declared only by name have no label: describe them by their model field."""
        parameters = super()._get_filter_parameters()
        filterset_class = getattr(self.view, "filterset_class", None)
        for parameter in parameters:
            if parameter.get("description"):
                continue
            described = None
            filter_ = filterset_class.base_filters.get(parameter["name"]) if filterset_class else None
            if filter_ is not None:
                with contextlib.suppress(FieldDoesNotExist):
                    field = self.view.model._meta.get_field(filter_.field_name)
                    described = field.verbose_name
            parameter["description"] = str(described or parameter["name"])
        return parameters

    def _error_codes(self) -> list[str]:
        if getattr(self.view, "error_codes", None) is not None:
            return list(self.view.error_codes)
        codes = ["401", "403"]
        action = self._action()
        if self._detail() or action == "list":
            codes.append("404")
        if action == "list" or self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        if self.method in ("PUT", "PATCH", "DELETE") or self._workflow_action():
            codes.append("412")
        if self.method in ("PUT", "PATCH") or self._workflow_action():
            codes.append("428")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        component = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, schema=error_schema(), object="Error"
        )
        self.registry.register_on_missing(component)
        for code, response in responses.items():
            if not response.get("description"):
                response["description"] = str(SUCCESS_DESCRIPTIONS.get(code, ""))
        for code in self._error_codes():
            responses.setdefault(code, {
                "content": {"application/json": {"schema": component.ref}},
                "description": str(ERROR_DESCRIPTIONS[code]),
            })
        return dict(sorted(responses.items()))
