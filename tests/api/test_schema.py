"""The OpenAPI 3 schema at /api/schema/ and the docs page at /api/docs/."""

import html
import json
import re

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.validation import validate_schema

from tests.helpers import make_user, token_client

pytestmark = pytest.mark.django_db

RESOURCES = ["departments", "programmes", "projects", "milestones", "monthly-reports", "indicators",
             "observations", "targets", "period-locks"]


@pytest.fixture
def client(client, django_user_model):
    """The schema and its docs are for signed-in users: any user will do."""
    client.force_login(django_user_model.objects.create_user("reader"))
    return client


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def schema(client):
    reset_generator_stats()
    response = client.get(reverse("api_schema"), {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_3_and_generated_without_warnings(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert not GENERATOR_STATS, "drf-spectacular warned while generating the schema (see the captured output)"


def test_the_schema_lists_every_resource_and_workflow_action(schema):
    paths = schema["paths"]
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{id}}/" in paths
    for action in ("submit", "approve", "return", "reopen"):
        assert "post" in paths[f"/api/v1/monthly-reports/{{id}}/{action}/"]
    assert "post" in paths["/api/v1/auth/token/"]
    assert set(paths["/api/v1/period-locks/{id}/"]) == {"get", "delete"}
    for report in ("progress", "indicators"):
        assert set(paths[f"/api/v1/reports/{report}/"]) == {"get"}
        for fmt, media_type in (("pdf", "application/pdf"), ("xlsx", "application/vnd.openxmlformats-"
                                "officedocument.spreadsheetml.sheet"), ("docx", "application/vnd.openxmlformats-"
                                "officedocument.wordprocessingml.document")):
            ok = paths[f"/api/v1/reports/{report}/{fmt}/"]["get"]["responses"]["200"]
            assert list(ok["content"]) == [media_type]
    # The report takes the project list's filters.
    names = {p["name"] for p in paths["/api/v1/reports/progress/"]["get"]["parameters"]}
    assert {"year", "month", "programme", "lead_department", "warning", "q"} <= names


def test_every_field_parameter_and_response_is_described(schema):
    missing = []
    for name, component in schema["components"]["schemas"].items():
        for prop, spec in component.get("properties", {}).items():
            if not spec.get("description"):
                missing.append(f"{name}.{prop}")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not operation.get("description") and not operation.get("summary"):
                missing.append(f"{method} {path}")
            for parameter in operation.get("parameters", []):
                if not parameter.get("description"):
                    missing.append(f"{method} {path} ?{parameter['name']}")
            for code, response in operation["responses"].items():
                if not response.get("description"):
                    missing.append(f"{method} {path} -> {code}")
    assert missing == []


def test_read_only_fields_are_not_offered_as_input(schema):
    components = schema["components"]["schemas"]
    for name in ("MonthlyReportRequest", "PatchedMonthlyReportRequest"):
        assert not {"status", "completed_ytd", "reviewed_by", "version"} & set(components[name]["properties"])
    assert "version" not in components["ProjectRequest"]["properties"]
    assert components["Project"]["properties"]["version"]["readOnly"] is True


def test_changes_document_if_match_etag_and_the_refusals(schema):
    patch = schema["paths"]["/api/v1/projects/{id}/"]["patch"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert if_match["in"] == "header" and if_match["required"] is True
    assert {"400", "403", "404", "412", "428"} <= set(patch["responses"])
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert "409" in schema["paths"]["/api/v1/monthly-reports/{id}/approve/"]["post"]["responses"]
    ordering = next(p for p in schema["paths"]["/api/v1/milestones/"]["get"]["parameters"] if p["name"] == "ordering")
    assert set(ordering["schema"]["items"]["enum"]) >= {"planned_date", "-planned_date"}
    assert "note" not in ordering["schema"]["items"]["enum"]


def test_the_schema_is_served_as_yaml_and_in_english_on_request(client):
    response = client.get(reverse("api_schema"))
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"]
    english = client.get(reverse("api_schema"), {"format": "json", "lang": "en"})
    assert english.status_code == 200
    assert json.loads(english.content)["paths"].keys() == json.loads(
        client.get(reverse("api_schema"), {"format": "json"}).content)["paths"].keys()


def test_the_docs_page_serves_swagger_ui_without_any_cdn(client):
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn" not in page.lower() and "https://" not in page
    # Swagger UI is started by a script the page loads from the platform (no inline script), which
    # points it at the schema.
    script = re.search(r'<script src="([^"]*\?script=[^"]*)"></script>', page)
    assert script and "<script>" not in page and "<style" not in page
    started = client.get(html.unescape(script.group(1)))
    assert started.status_code == 200 and started["Content-Type"].startswith("application/javascript")
    script = started.content.decode()
    assert f'"{reverse("api_schema")}"' in script and "SwaggerUIBundle(" in script
    # Swagger UI sends the schema to no online validator (it would, from any host but localhost).
    assert '"validatorUrl": null' in script
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert asset in page
        served = client.get(reverse("api_docs_asset", args=[asset]))
        assert served.status_code == 200
        assert b"".join(served.streaming_content)
    assert client.get(reverse("api_docs_asset", args=["settings.py"])).status_code == 404


# For signed-in users only --------------------------------------------------------------------------


def test_the_schema_answers_401_to_anonymous_clients_in_json():
    client = Client()
    for params in ({}, {"format": "json"}):
        response = client.get(reverse("api_schema"), params)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert json.loads(response.content)["detail"]


def test_the_schema_is_served_to_a_token_or_a_session(alice):
    client = Client()
    assert token_client(alice).get(reverse("api_schema"), {"format": "json"}).status_code == 200
    client.force_login(alice)
    assert client.get(reverse("api_schema")).status_code == 200
    unknown = token_client(None)
    unknown.credentials(HTTP_AUTHORIZATION="Token " + "f" * 64)
    assert unknown.get(reverse("api_schema")).status_code == 401


def test_the_docs_page_and_its_assets_send_anonymous_visitors_to_the_login_page(alice):
    client = Client()
    docs = client.get(reverse("api_docs"))
    assert docs.status_code == 302
    assert docs["Location"] == f"{reverse('login')}?next={reverse('api_docs')}"
    asset = client.get(reverse("api_docs_asset", args=["swagger-ui.css"]))
    assert asset.status_code == 302 and asset["Location"].startswith(reverse("login"))
    client.force_login(alice)
    assert client.get(reverse("api_docs")).status_code == 200
    assert client.get(reverse("api_docs_asset", args=["swagger-ui.css"])).status_code == 200
