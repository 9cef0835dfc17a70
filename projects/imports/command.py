"""The import commands' shared body: ``import_projects``, ``import_departments``, ``import_editors``.

    manage.py import_projects FILE [--dry-run] [--programme 2025-district] [--map "原列名=项目编号"] [--user NAME]
    manage.py import_projects --template OUT.xlsx

Without --dry-run the rows are applied in one transaction after the same checks as the preview; any
row with an error writes nothing, and the command exits non-zero with every row's reason printed.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.accounts import acting_user
from portfolio.sheets import SheetError, listed

from ..models import Programme
from . import services
from .invitations import send_invitations
from .template import write_template

KIND_WORDS = {
    "new": gettext_lazy("新增"), "update": gettext_lazy("修改"), "skip": gettext_lazy("不变"), "error": gettext_lazy("错误"),
}


class ImportCommand(BaseCommand):
    kind_key = ""

    @property
    def kind(self) -> services.Kind:
        return services.KINDS[self.kind_key]

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="The .xlsx (or .csv) file to import.")
        parser.add_argument("--dry-run", action="store_true", help="Show what each row would do; write nothing.")
        parser.add_argument("--template", metavar="OUT.xlsx", help="Write the import's Excel template and stop.")
        parser.add_argument("--map", action="append", default=[], metavar="HEADER=COLUMN",
                            help="Read the sheet's column HEADER as the import's COLUMN (its Chinese header).")
        parser.add_argument("--user", help="Who imports (default: the first superuser); the history names them.")
        if self.kind_key == "projects":
            parser.add_argument("--programme", help="Programme code YEAR-LEVEL for rows that name none, e.g. 2025-district.")

    def handle(self, *args, **options):
        if options["template"]:
            Path(options["template"]).write_bytes(write_template(self.kind))
            self.stdout.write(_("已写入模板：%(path)s") % {"path": options["template"]})
            return
        if not options["file"]:
            raise CommandError(_("请给出要导入的文件，或用 --template 生成模板。"))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        user = self._user(options["user"])
        programme = self._programme(options.get("programme"))
        chosen = self._chosen(options["map"])
        try:
            table, mapping = services.read(self.kind, path.read_bytes(), name=path.name, chosen=chosen)
        except SheetError as exc:
            raise CommandError(exc.message) from None
        run = services.preview if options["dry_run"] else services.apply
        plan = run(self.kind, table, mapping, acting_user=user, file_name=path.name, programme=programme)
        self._print(plan)
        if not plan.ok:
            raise CommandError(_("导入未写入任何内容。") if not options["dry_run"] else _("预览发现错误。"))
        if plan.applied:
            sent = send_invitations(plan.invited)
            if sent:
                self.stdout.write(_("已向 %(count)s 个新账号发送设置密码的邮件。") % {"count": sent})

    def _print(self, plan):
        for error in plan.errors:
            self.stderr.write(error)
        for note in plan.notes:
            self.stdout.write(note)
        for row in plan.rows:
            head = _("第%(row)s行 %(kind)s %(name)s") % {
                "row": row.number, "kind": KIND_WORDS[row.kind], "name": row.name}
            self.stdout.write(head)
            for change in row.changes if row.kind == "update" else ():
                self.stdout.write(f"    {change.label}：{change.old} → {change.new}")
            for error in row.errors:
                self.stdout.write(f"    {error}")
        counts = plan.counts
        self.stdout.write(_("新增 %(new)s，修改 %(update)s，不变 %(skip)s，错误 %(error)s。%(state)s") % {
            "new": counts["new"], "update": counts["update"], "skip": counts["skip"], "error": counts["error"],
            "state": _("已写入。") if plan.applied else _("未写入。"),
        })

    def _chosen(self, pairs):
        by_label = {str(column.label): column.key for column in self.kind.columns}
        chosen = {}
        for pair in pairs:
            header, _sep, label = pair.partition("=")
            if label.strip() not in by_label and label.strip() not in by_label.values():
                raise CommandError(_("--map %(pair)s：没有名为“%(label)s”的列。可用：%(known)s。") % {
                    "pair": pair, "label": label.strip(), "known": listed(by_label)})
            chosen[header.strip()] = by_label.get(label.strip(), label.strip())
        return chosen

    def _programme(self, code):
        if not code:
            return None
        programme = Programme.objects.by_code(code)
        if programme is None:
            known = ", ".join(p.code for p in Programme.objects.all())
            raise CommandError(_("没有重点项目计划 %(code)s。已有：%(known)s。") % {"code": code, "known": known or "—"})
        return programme

    @staticmethod
    def _user(username):
        user = acting_user(username)
        if user is None:
            raise CommandError(_("找不到执行导入的用户%(u)s。") % {"u": username or ""})
        return user
