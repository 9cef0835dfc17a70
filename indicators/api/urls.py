"""Routes of the indicators app's API v1 (registered on the shared v1 router in portfolio/api_urls.py)."""

from .views import IndicatorViewSet, ObservationViewSet, TargetViewSet

ROUTES = [
    ("indicators", IndicatorViewSet, "indicator"),
    ("observations", ObservationViewSet, "observation"),
    ("targets", TargetViewSet, "target"),
]
