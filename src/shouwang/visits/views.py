"""Console pages of regular visits: the visitor's phone list and visit form with its follow-ups, the
region's task list, the rules with their preview, and the coverage report (table and xlsx)."""

from __future__ import annotations

import datetime as dt
import tempfile

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.errors import DomainError
from shouwang.core.forms import ConsoleForm, attach_error, perform
from shouwang.core.pagination import page_number, paginate
from shouwang.core.spreadsheets import SheetWriter
from shouwang.elders.models import Category, LivingArrangement
from shouwang.elders.panels import summaries_for
from shouwang.elders.selectors import elders_for
from shouwang.web.decorators import console_page, roles_page

from . import activities, services, volunteers
from .models import Finding, Outcome, Skill, TaskState, Tier, VisitKind, Volunteer
from .permissions import (
    VISIT_READERS,
    is_visitor,
    is_volunteer,
    is_worker,
    may_complete_visit,
    may_coordinate_volunteers,
    may_edit_rules,
    may_organize_activities,
)
from .selectors import (
    coverage,
    get_rule_for,
    get_task_for,
    is_overdue,
    my_open_tasks,
    rule_preview,
    rules_for,
    search_tasks,
)

FOLLOW_UPS = ("order", "incident", "review", "confirm")


@console_page("visits:list")
def task_list(request):
    """A visitor's own open visits, soonest first (the phone list); for the rest of the region's staff
    every task in their scope, filtered by state and community."""
    today = timezone.localdate()
    if is_volunteer(request.user) or (is_visitor(request.user) and not request.GET.get("all")):
        tasks = list(my_open_tasks(request.user)[:200])
        page = None
    else:
        state = request.GET.get("state", TaskState.OPEN)
        try:
            found = search_tasks(
                request.user,
                state=state if state in TaskState.values else "",
                community=request.GET.get("community", ""),
            )
        except DomainError:
            found = search_tasks(request.user)
        page = paginate(found, page=page_number(request.GET.get("page")), page_size=50)
        tasks = list(page.items)
    rows = [{"task": task, "overdue": is_overdue(task, today)} for task in tasks]
    return render(
        request,
        "visits/list.html",
        {
            "rows": rows,
            "page": page,
            "today": today,
            "states": TaskState.choices,
            "state": request.GET.get("state", TaskState.OPEN),
            "mine": page is None,
            "visitor": is_worker(request.user),
        },
    )


@roles_page(VISIT_READERS)
def task_detail(request, visit_id: int):
    """The phone-sized visit form (arrival with position for a home visit, findings, notes) while the
    task is open; its record and the follow-ups once done."""
    task = get_task_for(request.user, visit_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.complete_visit(
                actor=request.user,
                task_id=task.pk,
                outcome=request.POST.get("outcome", ""),
                findings=request.POST.getlist("findings"),
                notes=request.POST.get("notes", ""),
                lat=request.POST.get("lat"),
                lon=request.POST.get("lon"),
            )
        except DomainError as failure:
            errors = getattr(failure, "errors", None) or {"": failure.message}
            messages.error(request, failure.message)
        else:
            messages.success(request, _("The visit was recorded."))
            return redirect("visits:task", visit_id=task.pk)
    from shouwang.assessments.selectors import assessors_for
    from shouwang.catalog.models import ServiceItem

    may_do = may_complete_visit(request.user, task)
    return render(
        request,
        "visits/task.html",
        {
            "task": task,
            "elder": task.elder,
            "health_sections": summaries_for(request, task.elder, "visit"),
            "overdue": is_overdue(task),
            "may_do": may_do,
            "findings": Finding.choices,
            "ticked": request.POST.getlist("findings") if request.method == "POST" else task.findings,
            "outcomes": Outcome.choices,
            "values": request.POST if request.method == "POST" else {},
            "errors": errors,
            "far": services.is_far(task),
            "home": task.kind == VisitKind.HOME,
            "may_confirm": task.state == TaskState.DONE
            and task.confirmed_at is None
            and may_coordinate_volunteers(request.user)
            and Volunteer.objects.filter(user_id=task.done_by_id or 0).exists(),
            "volunteer": is_volunteer(request.user),
            "items": ServiceItem.objects.filter(active=True).order_by("category", "position", "code")
            if may_do and task.state == TaskState.DONE and not task.order_id
            else [],
            "assessors": assessors_for(request.user)
            if may_do and task.state == TaskState.DONE and not task.care_plan_review_id
            else [],
        },
    )


@roles_page(VISIT_READERS)
def follow_up(request, visit_id: int, name: str):
    """A finding leads somewhere: a service order, an incident for the operator, a care-plan review."""
    task = get_task_for(request.user, visit_id)
    if name not in FOLLOW_UPS:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    post = request.POST
    if name == "order":
        items = [{"code": code, "quantity": 1} for code in post.getlist("items")]
        perform(
            request,
            lambda: services.follow_up_order(
                actor=request.user, task_id=task.pk, items=items, note=post.get("note", "")
            ),
            _("A service order was placed for the elder."),
        )
    elif name == "incident":
        perform(
            request,
            lambda: services.follow_up_incident(
                actor=request.user, task_id=task.pk, note=post.get("note", "")
            ),
            _("The call centre was alerted."),
        )
    elif name == "confirm":
        perform(
            request,
            lambda: volunteers.confirm_visit(actor=request.user, task_id=task.pk),
            _("The volunteer's visit was confirmed and its hours credited."),
        )
    else:
        raw = post.get("assessor", "")
        perform(
            request,
            lambda: services.follow_up_review(
                actor=request.user,
                task_id=task.pk,
                assessor_id=int(raw) if raw.isdigit() and len(raw) < 18 else None,
            ),
            _("A re-assessment was asked for."),
        )
    return redirect("visits:task", visit_id=task.pk)


# --- rules --------------------------------------------------------------------------------------------


class RuleForm(ConsoleForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    tier = forms.ChoiceField(
        label=gettext_lazy("Risk tier"), choices=[(t.value, t.label) for t in Tier if t != Tier.NONE]
    )
    kind = forms.ChoiceField(label=gettext_lazy("Visit kind"), choices=VisitKind.choices)
    interval_days = forms.IntegerField(label=gettext_lazy("Every (days)"), min_value=1, max_value=730)
    arrangements = forms.MultipleChoiceField(
        label=gettext_lazy("Living arrangements (none ticked: any)"),
        choices=LivingArrangement.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Categories (any one of them; none ticked: any)"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_age = forms.IntegerField(
        label=gettext_lazy("Aged at least"), min_value=0, max_value=130, required=False
    )
    min_ability_level = forms.IntegerField(
        label=gettext_lazy("Ability level at least (0 intact … 4 fully lost)"),
        min_value=0,
        max_value=4,
        required=False,
    )
    position = forms.IntegerField(
        label=gettext_lazy("Position in the list"), min_value=0, max_value=999, required=False
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


@console_page("visits:rules")
def rule_list(request):
    """The rules, each with how many active elders in the official's area it catches now."""
    rows = [{"rule": rule, "caught": rule_preview(request.user, rule)} for rule in rules_for(request.user)]
    return render(request, "visits/rules.html", {"rows": rows, "may_edit": may_edit_rules(request.user)})


@console_page("visits:rules")
def rule_edit(request, rule_id: int | None = None):
    """Edit a rule (or make one) with a preview: "Preview" counts the elders it would catch, unsaved."""
    rule = get_rule_for(request.user, rule_id) if rule_id is not None else None
    if not may_edit_rules(request.user):
        raise PermissionDenied
    preview = None
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            values = {**form.cleaned_data}
            try:
                if "preview" in request.POST:
                    preview = rule_preview(request.user, services.checked_rule(values))
                else:
                    services.save_rule(actor=request.user, values=values, rule_id=rule_id)
                    messages.success(request, _("The visit rule was saved; the next generation applies it."))
                    return redirect("visits:rules")
            except DomainError as failure:
                attach_error(form, failure)
    elif rule is not None:
        form = RuleForm(initial={field: getattr(rule, field) for field in services.RULE_FIELDS})
        preview = rule_preview(request.user, rule)
    else:
        form = RuleForm(initial={"active": True})
    return render(request, "visits/rule_form.html", {"form": form, "rule": rule, "preview": preview})


# --- coverage -----------------------------------------------------------------------------------------


@console_page("visits:coverage")
def coverage_report(request):
    """Per community, the share of each tier's elders visited on schedule in a month; ``?format=xlsx``
    downloads the same table."""
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    region = request.GET.get("region", "")
    error, rows = "", []
    try:
        rows = coverage(request.user, month=month, region=region)
    except DomainError as failure:
        error = failure.message
    if request.GET.get("format") == "xlsx" and not error:
        return _coverage_xlsx(rows, month)
    points = [
        {"name": row["name"], "lat": row["lat"], "lon": row["lon"], "share": row["share"]}
        for row in rows
        if row["lat"] is not None and row["lon"] is not None
    ]
    return render(
        request,
        "visits/coverage.html",
        {
            "month": month,
            "region": region,
            "rows": rows,
            "error": error,
            "points": points,
            "map_tiles": settings.SHOUWANG_MAP_TILES_URL,
            "map_attribution": settings.SHOUWANG_MAP_ATTRIBUTION,
        },
    )


def _coverage_xlsx(rows: list[dict], month: str) -> FileResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it once streamed
    header = [
        _("Community code"),
        _("Community"),
        _("Risk tier"),
        _("Elders due a visit"),
        _("Visited on schedule"),
        _("Share (%)"),
    ]
    with SheetWriter(handle, header, sheet_name=month) as writer:
        for row in rows:
            for cell in row["tiers"]:
                share = "" if cell["share"] is None else round(cell["share"] * 100, 1)
                writer.append(
                    [
                        row["community"],
                        row["name"],
                        cell["tier_label"],
                        cell["elders_due"],
                        cell["on_schedule"],
                        share,
                    ]
                )
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=_("visit-coverage-%(month)s.xlsx") % {"month": month}
    )


# --- volunteers and the time bank ---------------------------------------------------------------------


@console_page("visits:volunteers")
def volunteer_list(request):
    """The coordinator's volunteers with their balances, and the registration form; a volunteer is sent to
    their own statement."""
    from shouwang.accounts.models import User
    from shouwang.core.masking import mask_id_number

    if is_volunteer(request.user):
        own = volunteers.volunteers_for(request.user).first()
        if own is None:
            return render(request, "visits/volunteers.html", {"rows": [], "unregistered": True})
        return redirect("visits:volunteer", volunteer_id=own.pk)
    errors: dict[str, str] = {}
    post = request.POST
    if request.method == "POST":
        raw_user = post.get("user_id", "")
        try:
            volunteers.register_volunteer(
                actor=request.user,
                user_id=int(raw_user) if raw_user.isdigit() and len(raw_user) < 18 else 0,
                community=post.get("community", ""),
                id_number=post.get("id_number", ""),
                skills=post.getlist("skills"),
                available_days=[int(day) for day in post.getlist("days") if day.isdigit() and len(day) < 3],
            )
        except DomainError as failure:
            errors = getattr(failure, "errors", None) or {"": failure.message}
            messages.error(request, failure.message)
        else:
            messages.success(request, _("The volunteer was registered."))
            return redirect("visits:volunteers")
    rows = [
        {"volunteer": v, "id_number": mask_id_number(v.id_number), "balance": volunteers.balance_minutes(v)}
        for v in volunteers.volunteers_for(request.user)[:200]
    ]
    registered = Volunteer.objects.values("user_id")
    return render(
        request,
        "visits/volunteers.html",
        {
            "rows": rows,
            "errors": errors,
            "values": post,
            "accounts": User.objects.filter(role="volunteer", is_active=True).exclude(pk__in=registered)[
                :200
            ],
            "communities": _my_communities(request.user),
            "skills": Skill.choices,
            "days": [(n, label) for n, label in enumerate(WEEKDAYS, start=1)],
        },
    )


WEEKDAYS = (
    gettext_lazy("Mon"), gettext_lazy("Tue"), gettext_lazy("Wed"), gettext_lazy("Thu"), gettext_lazy("Fri"),
    gettext_lazy("Sat"), gettext_lazy("Sun"),
)  # fmt: skip


def _my_communities(user):
    from shouwang.core.scope import scope_of
    from shouwang.regions.models import Level, Region

    return (
        scope_of(user)
        .filter(Region.objects.filter(level=Level.COMMUNITY), region="code")
        .order_by("code")[:500]
    )


@console_page("visits:volunteers")
def volunteer_detail(request, volunteer_id: int):
    """A volunteer's time-bank statement; the coordinator redeems hours here, and the volunteer (or the
    coordinator) gives hours to another volunteer."""
    if request.method == "POST":
        raw = request.POST.get("minutes", "")
        minutes = int(raw) if raw.isdigit() and len(raw) < 9 else 0
        note = request.POST.get("note", "")
        if request.POST.get("action") == "donate":
            to = request.POST.get("to_id", "")
            perform(
                request,
                lambda: volunteers.donate_hours(
                    actor=request.user,
                    from_id=volunteer_id,
                    to_id=int(to) if to.isdigit() and len(to) < 12 else 0,
                    minutes=minutes,
                    note=note,
                ),  # fmt: skip
                _("The hours were given."),
            )
        else:
            perform(
                request,
                lambda: volunteers.redeem_hours(
                    actor=request.user, volunteer_id=volunteer_id, minutes=minutes, note=note
                ),
                _("The hours were redeemed."),
            )
        return redirect("visits:volunteer", volunteer_id=volunteer_id)
    from shouwang.core.masking import mask_id_number

    found = volunteers.statement(request.user, volunteer_id)
    return render(
        request,
        "visits/volunteer.html",
        {
            **found,
            "id_number": mask_id_number(found["volunteer"].id_number),
            "may_redeem": may_coordinate_volunteers(request.user),
            "targets": volunteers.donation_targets(request.user, found["volunteer"])[:500],
        },
    )


# --- group activities (助乐) -------------------------------------------------------------------------


def _moment(raw: str) -> dt.datetime | None:
    """A time typed in an <input type=datetime-local>, read in the local time zone; None when not a time."""
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(raw)) if raw and len(raw) < 30 else None
    except ValueError:
        return None


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 9 else 0


@console_page("visits:activities")
def activity_list(request):
    """The area's activities, soonest first; a community worker creates one here."""
    errors: dict[str, str] = {}
    post = request.POST
    if request.method == "POST":
        try:
            created = activities.create_activity(
                actor=request.user, community=post.get("community", ""), title=post.get("title", ""),
                starts_at=_moment(post.get("starts_at", "")), place=post.get("place", ""),  # type: ignore[arg-type]
                capacity=_number(post.get("capacity", "")), minutes=_number(post.get("minutes", "60")),
            )  # fmt: skip
        except DomainError as failure:
            errors = getattr(failure, "errors", None) or {"": failure.message}
            messages.error(request, failure.message)
        else:
            messages.success(request, _("The activity was created."))
            return redirect("visits:activity", activity_id=created.pk)
    return render(
        request,
        "visits/activities.html",
        {
            "activities": activities.activities_for(request.user)[:200],
            "may_organize": may_organize_activities(request.user),
            "communities": _my_communities(request.user),
            "errors": errors,
            "values": post,
        },
    )


@console_page("visits:activities")
def activity_detail(request, activity_id: int):
    """One activity: its sign-ups; a volunteer signs up, the worker signs elders up and records who came."""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "attendance":
            attended = [int(v) for v in request.POST.getlist("attended") if v.isdigit() and len(v) < 12]
            perform(
                request,
                lambda: activities.record_attendance(
                    actor=request.user, activity_id=activity_id, attended=attended
                ),
                _("The attendance was recorded."),
            )
        else:
            elder = request.POST.get("elder_id", "")
            perform(
                request,
                lambda: activities.sign_up(
                    actor=request.user, activity_id=activity_id, elder_id=_number(elder) if elder else None
                ),
                _("Signed up."),
            )
        return redirect("visits:activity", activity_id=activity_id)
    found = activities.get_activity_for(request.user, activity_id)
    organizer = may_organize_activities(request.user)
    signed = activities.signups_of(found)
    return render(
        request,
        "visits/activity.html",
        {
            "activity": found,
            "signups": signed,
            "may_organize": organizer,
            "started": found.starts_at <= timezone.now(),
            "elders": (
                elders_for(request.user)
                .filter(community_id=found.community_id)
                .exclude(pk__in=signed.exclude(elder=None).values("elder_id"))
                .order_by("name")[:300]
                if organizer
                else []
            ),
            "may_sign_up": is_volunteer(request.user)
            and not signed.filter(volunteer__user_id=request.user.pk).exists(),
        },
    )
