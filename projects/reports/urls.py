"""Progress and indicator reports: pages and downloads."""

from django.urls import path

from . import views
from .checks import check_cjk_font  # noqa: F401  (registers the font check until an AppConfig.ready() does)

app_name = "reports"
urlpatterns = [
    path("progress/", views.progress_report, name="progress"),
    path("indicators/", views.indicators_report, name="indicators"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job"),
    path("jobs/<uuid:pk>/file/", views.job_file, name="job_file"),
]
