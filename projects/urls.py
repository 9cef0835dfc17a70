"""Staff pages of the projects app."""

from django.urls import path

from . import letter_views, sheet_views, todo_views, views

app_name = "projects"
urlpatterns = [
    path("", views.ProjectListView.as_view(), name="project_list"),
    path("export.xlsx", views.ProjectExportView.as_view(), name="project_export"),
    path("<int:pk>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("<int:pk>/edit/", views.ProjectEditView.as_view(), name="project_edit"),
    path("<int:pk>/reports/<int:year>/<int:month>/", views.ReportEntryView.as_view(), name="report_entry"),
    path("review/", views.ReviewQueueView.as_view(), name="review_queue"),
    path("review/<int:pk>/<str:action>/", views.ReviewActionView.as_view(), name="review_action"),
    path("bulk/", views.BulkEntryView.as_view(), name="bulk_entry"),
    path("bulk/sheet.xlsx", sheet_views.MonthSheetDownloadView.as_view(), name="month_sheet"),
    path("bulk/upload/", sheet_views.MonthSheetUploadView.as_view(), name="month_sheet_upload"),
    path("months/<int:year>/<int:month>/sheets.zip", sheet_views.MonthSheetsZipView.as_view(), name="month_sheets"),
    path("months/<int:year>/<int:month>/", views.MonthView.as_view(), name="month"),
    path("milestones/overdue/", views.MilestoneListView.as_view(which="overdue"), name="milestones_overdue"),
    path("milestones/due/", views.MilestoneListView.as_view(which="due"), name="milestones_due"),
    path("todo/", todo_views.TodoView.as_view(), name="todo"),
    path("letters/", letter_views.LetterListView.as_view(), name="letter_list"),
    path("letters/<int:pk>/", letter_views.LetterDetailView.as_view(), name="letter_detail"),
    path("letters/<int:pk>/<str:fmt>/", letter_views.LetterFileView.as_view(), name="letter_file"),
]
