"""Malformed bodies on every API endpoint that takes one: 400 with a message, never a 500, nothing changed.

The endpoints are read from the router (every resource's create, replace and change, every extra
action) plus the token endpoint, so a new endpoint is covered without a line here. Each is sent
bodies broken as a whole (nesting far past any resource's, a body over Django's size limit, bytes
that are not UTF-8, truncated or non-object JSON, NaN) and bodies whose every writable field holds
a value no field takes (an object, a number past any column, infinity, a NUL character).
"""

import json

import pytest
from django.conf import settings
from django.urls import reverse
from knox.models import AuthToken
from rest_framework import serializers

from portfolio.api_auth import ObtainTokenSerializer
from portfolio.api_parsers import MAX_DEPTH
from portfolio.api_urls import router
from projects.api.serializers import (
    MonthlyReportBulkSerializer,
    MonthlyReportEntrySerializer,
    ReturnSerializer,
    ReviewSerializer,
    SubmitSerializer,
)
from tests.helpers import database_state, etag_of, token_client

pytestmark = pytest.mark.django_db

# The body an extra action reads (its viewset's serializer_class is the resource's, not the body's).
ACTION_BODIES = {
    "submit": SubmitSerializer, "withdraw": SubmitSerializer, "approve": ReviewSerializer,
    "return_report": ReturnSerializer, "reopen": ReviewSerializer, "entry": MonthlyReportEntrySerializer,
    "bulk": MonthlyReportBulkSerializer,
}


def _endpoints():
    """id -> (basename, url name, method, body serializer, detail?) for every write of the router, and the token."""
    found = []
    for _prefix, viewset, basename in router.registry:
        methods = viewset.http_method_names
        if "post" in methods:
            found.append((f"{basename} create", basename, f"{basename}-list", "post", viewset.serializer_class,
                          False))
        for method in ("put", "patch"):
            if method in methods:
                found.append((f"{basename} {method}", basename, f"{basename}-detail", method,
                              viewset.serializer_class, True))
        for extra in viewset.get_extra_actions():
            for method in extra.mapping:
                found.append((f"{basename} {extra.url_name}", basename, f"{basename}-{extra.url_name}", method,
                              ACTION_BODIES[extra.__name__], extra.detail))
    found.append(("token", None, "token", "post", ObtainTokenSerializer, False))
    return {entry[0]: entry[1:] for entry in found}


ENDPOINTS = _endpoints()


def _target(world, basename):
    """The record a detail endpoint acts on: one every role of the world may read."""
    return {
        "department": world.projects["own"].lead_department, "programme": world.programme,
        "project": world.projects["own"], "milestone": world.milestones["own"],
        "monthly-report": world.submitted["own"], "indicator": world.indicator,
        "observation": world.indicator.observations.first(), "target": world.indicator.targets.first(),
    }[basename]


def _nested(depth: int, inner="1") -> str:
    return "[" * depth + inner + "]" * depth


# Bodies broken as a whole: (bytes, content type).
WHOLE_BODIES = {
    "deeply nested array": (_nested(200_000).encode(), "application/json"),
    "deeply nested object": (('{"a":' * 100_000 + "1" + "}" * 100_000).encode(), "application/json"),
    "unclosed arrays": (("[" * 300_000).encode(), "application/json"),
    "one level past the limit": (_nested(MAX_DEPTH + 1).encode(), "application/json"),
    "over the size limit": (b'{"name": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}',
                            "application/json"),
    "not UTF-8": (b'{"name": "\xff\xfe\xfa"}', "application/json"),
    "a declared charset it is not": ('{"name": "名称"}'.encode("gb18030"), "application/json; charset=utf-8"),
    "truncated": (b'{"name": ', "application/json"),
    "NaN": (b'{"name": NaN}', "application/json"),
    "a list": (b"[1, 2]", "application/json"),
    "null": (b"null", "application/json"),
    "NUL bytes": (b'{"name": "a\x00b"}', "application/json"),
}



class Raw(str):
    """JSON text sent as it is (1e400 decodes to infinity; json.dumps would write Infinity)."""


# Values no field takes, by the kind of field: each must be refused with the field named.
ANY_FIELD = [{"$": 1}]
NUMBER_FIELD = [10**40, -(10**40), Raw("1e400"), Raw("-1e400"), "1e400", "NaN", "9" * 100]
TEXT_FIELD = ["a\x00b"]
BOOLEAN_FIELD = ["maybe", 2]
LIST_FIELD = ["text", 10**40]


def _garbage_for(field) -> list:
    if isinstance(field, serializers.IntegerField | serializers.DecimalField | serializers.PrimaryKeyRelatedField):
        return ANY_FIELD + NUMBER_FIELD
    if isinstance(field, serializers.BooleanField):
        return ANY_FIELD + BOOLEAN_FIELD
    if isinstance(field, serializers.ListSerializer | serializers.ListField | serializers.ManyRelatedField):
        return ANY_FIELD + LIST_FIELD
    if isinstance(field, serializers.ChoiceField | serializers.DateField):
        return ANY_FIELD + TEXT_FIELD + [10**40]
    if isinstance(field, serializers.CharField):
        return ANY_FIELD + TEXT_FIELD
    return ANY_FIELD


def _writable(serializer_class):
    return {name: field for name, field in serializer_class().fields.items() if not field.read_only}


def _client(world, name):
    return token_client(None if name == "token" else world.users["coordinator"])


def _send(client, url, method, body: bytes, content_type: str, headers: dict):
    return getattr(client, method)(url, body, content_type=content_type, **headers)


def _request(world, name):
    basename, url_name, method, serializer_class, is_detail = ENDPOINTS[name]
    client = _client(world, name)
    headers = {}
    if is_detail:
        target = _target(world, basename)
        url = reverse(f"api:{url_name}", args=[target.pk])
        headers["HTTP_IF_MATCH"] = etag_of(client, reverse(f"api:{basename}-detail", args=[target.pk]))
    else:
        url = reverse(f"api:{url_name}")
    return client, url, method, serializer_class, headers


def _state():
    return database_state(departments=True), AuthToken.objects.count()


@pytest.mark.parametrize("name", ENDPOINTS)
def test_bodies_broken_as_a_whole_answer_400_and_change_nothing(world, name):
    client, url, method, _serializer, headers = _request(world, name)
    before = _state()
    for case, (body, content_type) in WHOLE_BODIES.items():
        response = _send(client, url, method, body, content_type, headers)
        assert response.status_code == 400, (case, response.status_code, response.content[:300])
        assert response["Content-Type"] == "application/json", case
        body_json = response.json()
        assert body_json, case
        if case in ("deeply nested array", "deeply nested object", "unclosed arrays", "one level past the limit"):
            assert body_json == {"detail": f"JSON 嵌套超过{MAX_DEPTH}层，请求未处理。"}, case
        if case == "over the size limit":
            assert "请求体过大" in body_json["detail"], case
        assert _state() == before, case


@pytest.mark.parametrize("name", ENDPOINTS)
def test_every_writable_field_refuses_values_no_field_takes(world, name):
    client, url, method, serializer_class, headers = _request(world, name)
    fields = _writable(serializer_class)
    before = _state()
    tried = 0
    for field_name, field in fields.items():
        for value in [*_garbage_for(field), Raw(_nested(MAX_DEPTH + 5, "[]"))]:
            deep = value.startswith("[[[") if isinstance(value, Raw) else False
            payload = f'{{"{field_name}": {value}}}' if isinstance(value, Raw) else json.dumps({field_name: value})
            response = _send(client, url, method, payload.encode(), "application/json", headers)
            assert response.status_code == 400, (field_name, value, response.status_code, response.content[:300])
            errors = response.json()
            assert (errors == {"detail": f"JSON 嵌套超过{MAX_DEPTH}层，请求未处理。"}) if deep else field_name in errors, (
                field_name, value, errors)
            tried += 1
    assert _state() == before
    assert tried >= len(fields)


BAD_BULK_ROWS = {
    "version not a number": {"version": "abc"},
    "version missing": {"version": None},
    "version negative": {"version": -1},
    "version past any column": {"version": 10**40},
    "project not a number": {"project": "x"},
    "project past any column": {"project": 10**40},
    "project of another department": {"project": "other"},
    "amount past any column": {"completed_month": "9" * 40},
    "NUL in a text": {"progress_text": "a\x00b"},
}


@pytest.mark.parametrize("case", BAD_BULK_ROWS)
def test_bulk_rows_with_bad_values_answer_400_naming_the_row(world, case):
    client = token_client(world.users["editor"])
    row = {"project": world.projects["own"].pk, "version": 0, "completed_month": "1"}
    for name, value in BAD_BULK_ROWS[case].items():
        if value is None:
            row.pop(name)
        elif value == "other":
            row[name] = world.projects["other"].pk
        else:
            row[name] = value
    before = _state()
    response = client.post(reverse("api:monthly-report-bulk"), {"year": 2025, "month": 4, "rows": [row]},
                           format="json")
    assert response.status_code == 400, response.content
    assert "0" in response.json()["rows"], response.json()
    assert _state() == before
