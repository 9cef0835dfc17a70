"""REST API v1 and its schema: /api/v1/…, /api/schema/, /api/docs/ (see docs/api.md)."""

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, include, path, re_path, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from indicators.api.urls import ROUTES as INDICATOR_ROUTES
from projects.api.reports import (
    INDICATOR_FILE_VIEWS,
    PROGRESS_FILE_VIEWS,
    IndicatorReportView,
    ProgressReportView,
)
from projects.api.schema import PortfolioSchemaView, PortfolioSwaggerView, swagger_asset
from projects.api.urls import ROUTES as PROJECT_ROUTES

from .api_auth import TokenLogoutAllView, TokenLogoutView, TokenView

router = DefaultRouter()
for prefix, viewset, basename in [*PROJECT_ROUTES, *INDICATOR_ROUTES]:
    router.register(prefix, viewset, basename=basename)

v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/logout/", TokenLogoutView.as_view(), name="token-logout"),
    path("auth/logoutall/", TokenLogoutAllView.as_view(), name="token-logout-all"),
    path("reports/progress/", ProgressReportView.as_view(), name="report-progress"),
    path("reports/indicators/", IndicatorReportView.as_view(), name="report-indicators"),
    *[path(f"reports/progress/{fmt}/", view.as_view(), name=f"report-progress-{fmt}")
      for fmt, view in PROGRESS_FILE_VIEWS.items()],
    *[path(f"reports/indicators/{fmt}/", view.as_view(), name=f"report-indicators-{fmt}")
      for fmt, view in INDICATOR_FILE_VIEWS.items()],
    *router.urls,
]


@csrf_exempt  # it changes nothing, and a refusal should still be the JSON 404
def api_not_found(request, rest=""):
    """Anything under /api/ that matches no route answers JSON, like the API's own 404s.

    A GET for a known route without its trailing slash is redirected, as CommonMiddleware would.
    """
    if request.method in ("GET", "HEAD") and not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            query = request.META.get("QUERY_STRING")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
    return JsonResponse({"detail": _("找不到该接口地址。")}, status=404)


urlpatterns = [
    path("v1/", include((v1, "api"))),
    path("schema/", PortfolioSchemaView.as_view(), name="api_schema"),
    path("docs/", PortfolioSwaggerView.as_view(), name="api_docs"),
    path("docs/assets/<str:filename>", swagger_asset, name="api_docs_asset"),
    re_path(r"^(?P<rest>.*)$", api_not_found),
]
