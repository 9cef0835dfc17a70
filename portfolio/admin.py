"""Admin for the platform's own records."""

from django.contrib import admin

from .models import DatasetLoad


@admin.register(DatasetLoad)
class DatasetLoadAdmin(admin.ModelAdmin):
    list_display = ["name", "checksum", "loaded_at"]
    readonly_fields = ["name", "checksum", "loaded_at"]
    search_fields = ["name"]
