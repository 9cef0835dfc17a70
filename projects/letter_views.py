"""Pages of the supervision letters (督办函 / 提醒函): the list (and drafting from the month's warnings),
one letter with its steps, and the letter as PDF and Word. Thin: projects.letters decides the steps,
projects.permissions who may take them."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views import View

from portfolio.periods import Period
from portfolio.records import ConflictError, MalformedVersion

from . import letters
from .choices import LetterKind, LetterState
from .models import SupervisionLetter
from .permissions import get_visible_or_404, manages_letters, responds_to_letters
from .reports.renderers.letters import render_letter
from .reports.requests import BadRequest, error_lines, parse_period

PAGE_SIZE = 50


def _last_month() -> Period:
    """The month whose warnings a coordinator usually writes about: the one before this."""
    return Period.current().preceding
STEPS_WITH_NOTE = ("close", "escalate")


class LetterListView(LoginRequiredMixin, View):
    template = "projects/letter_list.html"

    def get(self, request, status=200, errors=None):
        today = timezone.localdate()
        visible = letters.visible_letters(request.user)
        state = request.GET.get("state", "")
        if state == "overdue":
            shown = letters.overdue(visible, today)
        else:
            shown = visible.filter(state=state) if state in LetterState.values else visible
        page = Paginator(shown.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, self.template, {
            "page": page, "letters": page.object_list, "states": LetterState.choices, "state": state,
            "overdue": letters.overdue(visible, today).count(),
            "manages": manages_letters(request.user), "errors": errors or [],
            "default_period": _last_month(),
        }, status=status)

    def post(self, request):
        """Draft the letters of a month's warnings (coordinators)."""
        if not manages_letters(request.user):
            raise PermissionDenied(_("只有发改局统筹人员可以拟制督办函。"))
        try:
            period = parse_period(request.POST, _last_month())
        except BadRequest as exc:
            return self.get(request, status=400, errors=error_lines(exc.errors))
        result = letters.draft_letters(period=period, acting_user=request.user)
        messages.success(request, _("已按%(y)s年%(m)s月的预警拟制%(n)s份函件草稿；%(a)s个单位本月已有函件，"
                                    "%(w)s个预警项目没有牵头单位，未拟函。") % {
            "y": period.year, "m": period.month, "n": len(result.letters), "a": result.already,
            "w": result.without_department})
        return HttpResponseRedirect(reverse("projects:letter_list") + "?state=draft")


class LetterDetailView(LoginRequiredMixin, View):
    template = "projects/letter_detail.html"

    def _letter(self, request, pk) -> SupervisionLetter:
        return get_visible_or_404(SupervisionLetter.objects.select_related("department", "escalated_to"),
                                  request.user, pk=pk)

    def get(self, request, pk, status=200, errors=None, typed=None):
        letter = self._letter(request, pk)
        if status == 200 and letters.letter_receive(letter=letter, acting_user=request.user):
            letter.refresh_from_db()
        return render(request, self.template, {
            "letter": letter, "items": list(letter.items.select_related("project").order_by("position")),
            "steps": letters.allowed_steps(letter, request.user), "kinds": LetterKind.choices,
            "history": list(letter.history.select_related("history_user").order_by("history_date")),
            "errors": errors or [], "typed": typed or {},
            "responds": responds_to_letters(request.user), "manages": manages_letters(request.user),
        }, status=status)

    def post(self, request, pk):
        letter = self._letter(request, pk)
        step, version = request.POST.get("step", ""), request.POST.get("version")
        if step not in letters.TRANSITIONS or step == "receive":
            raise Http404
        try:
            if step == "update":
                try:
                    due = parse_date(request.POST.get("response_due") or "")
                except ValueError:  # the right shape, no such day (2025-02-30)
                    due = None
                if due is None:
                    raise letters.LetterError(_("回复期限：请输入有效日期，例如 2025-07-20。"))
                letters.letter_update(letter=letter, acting_user=request.user, expected_version=version, data={
                    "kind": request.POST.get("kind", ""), "requested_actions": request.POST.get("requested_actions", ""),
                    "response_due": due})
            elif step == "delete":
                letters.letter_delete(letter=letter, acting_user=request.user, expected_version=version)
                messages.success(request, _("函件草稿已删除。"))
                return HttpResponseRedirect(reverse("projects:letter_list"))
            elif step == "issue":
                letters.letter_issue(letter=letter, acting_user=request.user, expected_version=version)
            elif step == "respond":
                letters.letter_respond(letter=letter, response=request.POST.get("response", ""),
                                       acting_user=request.user, expected_version=version)
            elif step == "close":
                letters.letter_close(letter=letter, note=request.POST.get("note", ""), acting_user=request.user,
                                     expected_version=version)
            elif step == "escalate":
                letters.letter_escalate(letter=letter, note=request.POST.get("note", ""), acting_user=request.user,
                                        expected_version=version)
        except (letters.LetterError, ConflictError) as exc:
            # Someone else's step since the page was read is a conflict; a missing or malformed version is bad input.
            stale = isinstance(exc, ConflictError) and not isinstance(exc, MalformedVersion)
            return self.get(request, pk, status=409 if stale else 400, errors=[exc.message], typed=request.POST)
        messages.success(request, _("已%(step)s。") % {"step": letters.step_label(step)})
        return HttpResponseRedirect(reverse("projects:letter_detail", args=[pk]))


class LetterFileView(LoginRequiredMixin, View):
    """The letter as a document in the official layout (PDF or Word)."""

    def get(self, request, pk, fmt):
        if fmt not in ("pdf", "docx", "html"):
            raise Http404
        letter = get_visible_or_404(SupervisionLetter.objects.select_related("department"), request.user, pk=pk)
        return render_letter(letter, fmt, request=request).response()
