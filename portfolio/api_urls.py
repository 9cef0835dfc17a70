"""REST API v1 and its schema."""

urlpatterns = []
