"""The monthly sheet in Excel: download a department's sheet, upload it back (preview, confirm), the
coordinator's zip of every department's sheet. Thin: the rows are ``selectors.month_sheet``, the
file and the save are ``imports.monthly``, the storage between the steps ``imports.uploads``."""

import io
import zipfile

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from portfolio.downloads import attachment, file_name
from portfolio.sheets import SheetError

from .imports import monthly, uploads
from .models import Department, MonthlyReport, PeriodLock, Project
from .permissions import Action, can
from .selectors import expected_projects, month_sheet
from .views import _url_period, requested_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SALT = "projects.month-sheet.confirm"


def _sheet(request):
    return requested_sheet(request, with_milestones=True)


def _bulk_url(sheet) -> str:
    query = f"?year={sheet.period.year}&month={sheet.period.month}&department={sheet.department.pk}"
    return reverse("projects:bulk_entry") + query


class MonthSheetDownloadView(LoginRequiredMixin, View):
    """The department's month as an .xlsx to fill offline."""

    def get(self, request):
        sheet = _sheet(request)
        response = HttpResponse(monthly.write_month_sheet(sheet, user=request.user), content_type=XLSX)
        response["Content-Disposition"] = attachment(
            monthly.file_name(sheet),
            f"monthly-sheet-{sheet.period.year}-{sheet.period.month:02d}-{sheet.department.code}.xlsx",
        )
        return response


class MonthSheetUploadView(LoginRequiredMixin, View):
    """Upload the filled sheet: a preview of every row against what is stored and last month; then save or submit."""

    template = "projects/sheet_upload.html"

    def post(self, request):
        sheet = _sheet(request)
        if request.POST.get("step") == "confirm":
            return self._confirm(request, sheet)
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要上传的 Excel 文件。"))
            return HttpResponseRedirect(_bulk_url(sheet))
        data = upload.read()
        try:
            read = monthly.read_upload(data, name=upload.name, sheet=sheet)
        except SheetError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(_bulk_url(sheet))
        read = monthly.preview(read, acting_user=request.user)
        confirm = signing.dumps({"token": uploads.keep(request.user, data), "file_name": upload.name,
                                 "digest": read.digest}, salt=SALT) if read.ok else None
        return self._render(request, read, confirm, status=200 if read.ok else 400)

    def _render(self, request, upload, confirm, status=200):
        return render(request, self.template, {
            "upload": upload, "sheet": upload.sheet, "period": upload.sheet.period, "confirm": confirm,
            "bulk_url": _bulk_url(upload.sheet), "can_submit": can(request.user, Action.SUBMIT, model=MonthlyReport),
        }, status=status)

    def _confirm(self, request, sheet):
        try:
            signed = signing.loads(request.POST.get("confirm", ""), salt=SALT, max_age=uploads.STALE_SECONDS)
            kept = uploads.kept(request.user, signed["token"])
        except (signing.BadSignature, FileNotFoundError):
            messages.error(request, _("确认请求无效或已过期，请重新上传。"))
            return HttpResponseRedirect(_bulk_url(sheet))
        try:
            read = monthly.read_upload(kept.read_bytes(), name=signed["file_name"], sheet=sheet)
        except SheetError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(_bulk_url(sheet))
        submit = request.POST.get("action") == "submit"
        done = monthly.apply(read, acting_user=request.user, submit=submit, expected=signed["digest"])
        if not done.applied:
            for error in done.errors:
                messages.error(request, error)
            return self._render(request, done, None, status=400)
        kept.unlink(missing_ok=True)
        messages.success(request, (_("已从“%(file)s”提交 %(n)s 个项目的月报，等待审核。") if submit else
                                   _("已从“%(file)s”保存 %(n)s 个项目的月报草稿。")) % {
            "file": signed["file_name"], "n": done.saved})
        return HttpResponseRedirect(_bulk_url(sheet))


class MonthSheetsZipView(LoginRequiredMixin, View):
    """Every department's sheet for the month in one zip, for the coordinator to send out."""

    def get(self, request, year, month):
        if not can(request.user, Action.LOCK, model=PeriodLock):
            raise PermissionDenied(_("只有发改局统筹人员可以下载全区的月报填报表。"))
        period = _url_period(year, month)
        departments = Department.objects.filter(
            projects_led__in=expected_projects(Project.objects.all(), year)).distinct().order_by("kind", "code")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for department in departments:
                sheet = month_sheet(request.user, department, period, with_milestones=True)
                if sheet.projects:
                    archive.writestr(monthly.file_name(sheet), monthly.write_month_sheet(sheet, user=request.user))
        response = HttpResponse(out.getvalue(), content_type="application/zip")
        name = _("%(year)s年%(month)s月重点项目月报填报表（全区）") % {"year": year, "month": month}
        response["Content-Disposition"] = attachment(file_name(name, "zip"), f"monthly-sheets-{year}-{month:02d}.zip")
        return response
