"""The OpenAPI 3 schema view of API v1 (drf-spectacular) and its docs page.

How each operation is drawn is portfolio.api_schema's. Swagger UI is served from
drf-spectacular-sidecar, so the docs page needs no CDN. Both are for signed-in users only (a session
or a token): the schema answers 401 to others, the docs page sends them to the login page.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer

from portfolio.token_auth import TokenAuthentication

# Token first: an anonymous request answers 401 with WWW-Authenticate, as the API's own views do.
SIGNED_IN_AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class PortfolioSchemaView(SpectacularAPIView):
    """GET /api/schema/ (YAML, or JSON with ?format=json); ?lang=en for the English descriptions."""

    authentication_classes = SIGNED_IN_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    def finalize_response(self, request, response, *args, **kwargs):
        # A refusal is the API's JSON error, whatever format the schema was asked in.
        if response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    custom_settings = {
        # Separate request and response components: read-only fields are not offered as input.
        "COMPONENT_SPLIT_REQUEST": True,
        "SCHEMA_PATH_PREFIX": r"/api/v1",
        "ENUM_NAME_OVERRIDES": {
            "DepartmentKindEnum": "projects.choices.DepartmentKind",
            "ProgrammeLevelEnum": "projects.choices.ProgrammeLevel",
            "ProjectCategoryEnum": "projects.choices.ProjectCategory",
            "ProjectStatusEnum": "projects.choices.ProjectStatus",
            "MilestoneKindEnum": "projects.choices.MilestoneKind",
            "DatePrecisionEnum": "projects.choices.DatePrecision",
            "ReportStatusEnum": "projects.choices.ReportStatus",
            "IndicatorCategoryEnum": "indicators.choices.IndicatorCategory",
            "QualifierEnum": "indicators.choices.Qualifier",
            "ComparatorEnum": "indicators.choices.Comparator",
            "TargetPeriodEnum": "indicators.choices.TargetPeriod",
        },
    }


SIDECAR_APP = "drf_spectacular_sidecar"
SWAGGER_ASSETS = {
    "swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png",
    "oauth2-redirect.html",
}


def _sidecar_dist() -> Path:
    import drf_spectacular_sidecar

    return Path(drf_spectacular_sidecar.__file__).parent / "static" / SIDECAR_APP / "swagger-ui-dist"


def _swagger_asset_url(filename: str) -> str:
    # With the sidecar app installed its files are ordinary static files; until then they are
    # served from the package by swagger_asset below.
    if SIDECAR_APP in settings.INSTALLED_APPS:
        return static(f"{SIDECAR_APP}/swagger-ui-dist/{filename}")
    return reverse("api_docs_asset", args=[filename])


class PortfolioSwaggerView(SpectacularSwaggerSplitView):
    """GET /api/docs/: Swagger UI over /api/schema/, with its JavaScript from drf-spectacular-sidecar.

    The page runs no inline script and has no <style> block (the Content-Security-Policy allows
    neither): Swagger UI is started by GET /api/docs/?script, and the page's few rules are a static file.
    """

    url_name = "api_schema"
    title = _("白云区重点项目管理平台 API 文档")
    authentication_classes = SIGNED_IN_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        # A page: who is not signed in is sent to the login page, and back here after it.
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)

    template_name = "api/swagger_ui.html"

    def _swagger_ui_resource(self, filename):
        return _swagger_asset_url(filename)

    def _swagger_ui_favicon(self):
        return _swagger_asset_url("favicon-32x32.png")


@login_required
def swagger_asset(request, filename):
    if filename not in SWAGGER_ASSETS:
        raise Http404(filename)
    return serve(request, filename, document_root=str(_sidecar_dist()))
