"""The admin's import: upload, map the columns when the headers differ, preview every row, confirm.

The uploaded file is kept in a temporary file named by a random token and its owner between the
steps (so the confirm applies exactly the file that was previewed); the confirm carries the column
mapping, the programme, the versions the preview read and the preview's digest, signed, so that a
tampered or stale confirm writes nothing.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.downloads import attachment, file_name
from portfolio.policy import Action, can
from portfolio.sheets import SheetError

from ..models import Programme
from . import services, uploads
from .invitations import send_invitations
from .template import write_template

STALE_SECONDS = uploads.STALE_SECONDS
SALT = "projects.imports.confirm"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel 文件"), help_text=gettext_lazy(".xlsx（或 .csv），不超过 10 MB。"))


class ProgrammeChoice(forms.Form):
    programme = forms.ModelChoiceField(
        Programme.objects.all(), required=False, label=gettext_lazy("所属计划"),
        empty_label=gettext_lazy("按文件中的“所属计划”列"),
        help_text=gettext_lazy("文件中未写明所属计划的行归入此计划；写明了其他计划的行报错。"),
    )


class ImportAdminMixin:
    """Adds 从 Excel 导入 to a ModelAdmin's change list: ``import_kind`` names the import."""

    import_kind = ""
    change_list_template = "admin/projects/import_change_list.html"

    def get_urls(self):
        name = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=f"{name}_import"),
            path("import/template/", self.admin_site.admin_view(self.template_view), name=f"{name}_import_template"),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return can(request.user, Action.ADD, model=self.model) and can(request.user, Action.CHANGE, model=self.model)

    def changelist_view(self, request, extra_context=None):
        extra = {"import_kind": services.KINDS[self.import_kind], "may_import": self.has_import_permission(request)}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        kind = services.KINDS[self.import_kind]
        response = HttpResponse(write_template(kind), content_type=XLSX)
        response["Content-Disposition"] = attachment(file_name(str(kind.template_name), "xlsx"),
                                                     f"import-template-{kind.key}.xlsx")
        return response

    def _render(self, request, context):
        kind = services.KINDS[self.import_kind]
        opts = self.model._meta
        return TemplateResponse(request, "admin/projects/import.html", {
            **self.admin_site.each_context(request), "opts": opts, "kind": kind,
            "title": _("导入%(what)s") % {"what": kind.label},
            "template_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_import_template"),
            "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            **context,
        })

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        step = request.POST.get("step", "")
        if request.method != "POST":
            return self._render(request, {"form": UploadForm(), "programme_form": self._programme_form()})
        if step == "confirm":
            return self._confirm(request)
        if step == "map":
            return self._preview(request, request.POST.get("token", ""), request.POST.get("file_name", ""))
        form = UploadForm(request.POST, request.FILES)
        programme_form = self._programme_form(request.POST)
        if not form.is_valid():
            return self._render(request, {"form": form, "programme_form": programme_form})
        upload = form.cleaned_data["file"]
        try:
            data = upload.read(settings.PORTFOLIO_IMPORT_MAX_BYTES + 1)  # read_table names a larger file
            services.read(services.KINDS[self.import_kind], data, name=upload.name)
        except SheetError as exc:
            form.add_error("file", exc.message)
            return self._render(request, {"form": form, "programme_form": programme_form})
        return self._preview(request, uploads.keep(request.user, data), upload.name)

    def _programme_form(self, data=None):
        return ProgrammeChoice(data) if self.import_kind == "projects" else None

    def _chosen(self, request) -> dict[str, str]:
        kind = services.KINDS[self.import_kind]
        keys = {column.key for column in kind.columns}
        chosen = {}
        for name, value in request.POST.items():
            if name.startswith("map:") and (value in keys or value == ""):
                chosen[name[4:]] = value
        return chosen

    def _read(self, request, token, file_name):
        kind = services.KINDS[self.import_kind]
        chosen = self._chosen(request)
        table, mapping = services.read(kind, uploads.kept(request.user, token).read_bytes(), name=file_name, chosen=chosen)
        programme_form = self._programme_form(request.POST)
        programme = None
        if programme_form is not None and programme_form.is_valid():
            programme = programme_form.cleaned_data["programme"]
        return kind, table, mapping, chosen, programme

    def _expired(self, request):
        messages.error(request, _("上传的文件已过期或不存在，请重新上传。"))
        return HttpResponseRedirect(request.path)

    def _preview(self, request, token, file_name):
        try:
            kind, table, mapping, chosen, programme = self._read(request, token, file_name)
        except FileNotFoundError:
            return self._expired(request)
        except SheetError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.path)
        context = {"token": token, "file_name": file_name, "table": table, "mapping": mapping,
                   "programme_form": self._programme_form({"programme": programme.pk if programme else ""}),
                   "headers": self._header_choices(kind, table, mapping)}
        if mapping.complete:
            plan = services.preview(kind, table, mapping, acting_user=request.user, file_name=file_name,
                                    programme=programme)
            context.update(plan=plan, confirm=signing.dumps({
                "token": token, "file_name": file_name, "chosen": chosen,
                "programme": programme.pk if programme else None, "digest": plan.digest,
                "versions": {str(pk): version for pk, version in services.versions_of(plan).items()},
            }, salt=SALT))
        return self._render(request, context)

    def _header_choices(self, kind, table, mapping):
        options = [("", _("（忽略此列）"))] + [(column.key, str(column.label)) for column in kind.columns]
        return [
            {"header": header, "key": mapping.keys.get(position, ""), "options": options,
             "in_yi": position in mapping.in_yi}
            for position, header in enumerate(table.headers) if header
        ]

    def _confirm(self, request):
        try:
            signed = signing.loads(request.POST.get("confirm", ""), salt=SALT, max_age=STALE_SECONDS)
        except signing.BadSignature:
            messages.error(request, _("确认请求无效或已过期，请重新上传并预览。"))
            return HttpResponseRedirect(request.path)
        kind = services.KINDS[self.import_kind]
        try:
            kept = uploads.kept(request.user, signed["token"])
            table, mapping = services.read(kind, kept.read_bytes(), name=signed["file_name"], chosen=signed["chosen"])
        except FileNotFoundError:
            return self._expired(request)
        except SheetError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.path)
        programme = Programme.objects.filter(pk=signed["programme"]).first() if signed["programme"] else None
        plan = services.apply(
            kind, table, mapping, acting_user=request.user, file_name=signed["file_name"], programme=programme,
            expected=signed["digest"], versions={int(pk): v for pk, v in signed["versions"].items()},
        )
        if not plan.applied:
            for error in plan.errors:
                messages.error(request, error)
            return self._render(request, {"token": signed["token"], "file_name": signed["file_name"],
                                          "table": table, "mapping": mapping, "plan": plan, "confirm": None,
                                          "headers": self._header_choices(kind, table, mapping),
                                          "programme_form": self._programme_form({"programme": signed["programme"] or ""})})
        kept.unlink(missing_ok=True)
        counts = plan.counts
        messages.success(request, _("“%(file)s”已导入：新增 %(new)s，修改 %(update)s，不变 %(skip)s。") % {
            "file": signed["file_name"], "new": counts["new"], "update": counts["update"], "skip": counts["skip"]})
        sent = send_invitations(plan.invited)
        if plan.invited:
            messages.info(request, _("已向 %(sent)s 个新账号（共 %(count)s 个）发送设置密码的邮件。") % {
                "sent": sent, "count": len(plan.invited)})
        return HttpResponseRedirect(reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist"))


__all__ = ["ImportAdminMixin"]
