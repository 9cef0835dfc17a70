"""What the navigation shows: only what the user may do, each flag asked of the policy."""

from django.utils.functional import SimpleLazyObject

from .models import Project
from .permissions import department_of, fills_reports, manages_data, reviews_reports, role_of


def navigation(request):
    user = getattr(request, "user", None)

    def build():
        role = role_of(user)
        if role is None:
            return {}
        return {
            "role": role,
            "role_label": role.label,
            "department": department_of(user),
            "can_fill": fills_reports(user),
            "can_review": reviews_reports(user),
            "can_admin": manages_data(user),
            "has_sample_data": Project.objects.filter(is_synthetic=True).exists(),
        }

    return {"nav": SimpleLazyObject(build)}
