"""Routes of the projects app's API v1 (registered on the shared v1 router in portfolio/api_urls.py)."""

from .views import (
    DepartmentViewSet,
    MilestoneViewSet,
    MonthlyReportViewSet,
    PeriodLockViewSet,
    ProgrammeViewSet,
    ProjectViewSet,
)

ROUTES = [
    ("departments", DepartmentViewSet, "department"),
    ("programmes", ProgrammeViewSet, "programme"),
    ("projects", ProjectViewSet, "project"),
    ("milestones", MilestoneViewSet, "milestone"),
    ("monthly-reports", MonthlyReportViewSet, "monthly-report"),
    ("period-locks", PeriodLockViewSet, "period-lock"),
]
