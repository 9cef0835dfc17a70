"""FilterSet pieces every app's lists share (pages, API and reports use the same FilterSets). Imports no feature app."""

from django.db.models import Q


class NameOrCodeSearch:
    """The `q` filter of the lists: a part of the name or of the code."""

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset
