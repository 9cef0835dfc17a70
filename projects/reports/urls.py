"""Progress and indicator reports: pages and downloads."""

app_name = "reports"
urlpatterns = []
