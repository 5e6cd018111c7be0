"""Console pages of escorts and companionship (助行, 精神慰藉): the list (a volunteer's own tasks on the
phone; the area's tasks and the form to arrange one for a worker) and one task's page, phone-sized, where the
volunteer records it done and the coordinator confirms it (which credits the hours) or cancels it."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shouwang.core.errors import DomainError
from shouwang.core.forms import attach_error, perform
from shouwang.elders.selectors import elders_for
from shouwang.web.decorators import console_page

from . import help
from .forms import HelpForm
from .models import HelpState
from .permissions import is_volunteer, may_coordinate_volunteers, may_organize_help


@console_page("visits:help")
def help_list(request):
    """A volunteer's open tasks, soonest first; a coordinator's area, newest first, and the worker's form."""
    organizer = may_organize_help(request.user)
    elders = elders_for(request.user).select_related("community").order_by("name")[:500] if organizer else []
    form = HelpForm(request.POST if request.method == "POST" else None, elders=elders)
    if form.is_bound and form.is_valid():
        try:
            created = help.create_help(actor=request.user, **form.cleaned_data)
        except DomainError as failure:
            attach_error(form, failure)
        else:
            messages.success(request, _("The task was arranged and given to %(volunteer)s.") % {
                "volunteer": created.volunteer
            })  # fmt: skip
            return redirect("visits:help_task", help_id=created.pk)
    volunteer = is_volunteer(request.user)
    tasks = help.search_help(request.user, state=HelpState.OPEN if volunteer else "")
    return render(
        request,
        "visits/help_list.html",
        {
            "tasks": tasks[:200] if volunteer else tasks.order_by("-starts_at", "-id")[:200],
            "volunteer": volunteer,
            "may_organize": organizer,
            "form": form,
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@console_page("visits:help")
def help_task(request, help_id: int):
    """One task. The volunteer sees only what the help needs (masked name and phone, the address)."""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "complete":
            perform(
                request,
                lambda: help.complete_help(
                    actor=request.user, help_id=help_id, note=request.POST.get("note", "")
                ),
                _("Recorded: thank you. The coordinator confirms it and your hours are credited."),
            )
        elif action == "cancel":
            perform(
                request,
                lambda: help.cancel_help(
                    actor=request.user, help_id=help_id, reason=request.POST.get("reason", "")
                ),
                _("The task was cancelled."),
            )
        else:
            perform(
                request,
                lambda: help.confirm_help(actor=request.user, help_id=help_id),
                _("The help was confirmed and the volunteer's hours credited."),
            )
        return redirect("visits:help_task", help_id=help_id)
    task = help.get_help_for(request.user, help_id)
    volunteer = is_volunteer(request.user)
    return render(
        request,
        "visits/help_task.html",
        {
            "task": task,
            "volunteer": volunteer,
            "elder": help.volunteer_view(task) if volunteer else None,
            "may_complete": volunteer and task.state == HelpState.OPEN,
            "may_confirm": may_coordinate_volunteers(request.user) and task.state == HelpState.DONE,
            "may_cancel": may_organize_help(request.user) and task.state == HelpState.OPEN,
        },
    )
