"""What the navigation shows: only what the user's role may do (asked of projects.permissions)."""

from django.utils.functional import SimpleLazyObject

from projects.models import Project
from projects.permissions import department_of, is_administrator, is_reviewer, role_of
from projects.roles import Role


def navigation(request):
    user = getattr(request, "user", None)

    def build():
        role = role_of(user)
        if role is None:
            return {}
        return {
            "role": role,
            "role_label": Role(role).label,
            "department": department_of(user),
            "can_fill": role in (Role.EDITOR,),
            "can_review": is_reviewer(user),
            "can_admin": is_reviewer(user) or is_administrator(user),
            "has_sample_data": Project.objects.filter(is_synthetic=True).exists(),
        }

    return {"nav": SimpleLazyObject(build)}
