"""Console pages of regular visits: the visitor's phone list and visit form with its follow-ups, the
region's task list, the rules with their preview, and the coverage report (table and xlsx)."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shouwang.core.errors import DomainError
from shouwang.core.forms import attach_error, perform
from shouwang.core.pagination import page_number, paginate
from shouwang.core.spreadsheets import SheetWriter
from shouwang.elders.panels import summaries_for
from shouwang.elders.selectors import elders_for
from shouwang.web.decorators import console_page, roles_page

from . import activities, referrals, services, timebank, volunteers
from .forms import (
    ActivityForm,
    AttendanceForm,
    CancelActivityForm,
    ElderSignupForm,
    NewActivityForm,
    ReferralForm,
    ReferralMoveForm,
    RuleForm,
)
from .models import Finding, Outcome, Referral, Skill, TaskState, VisitKind, Volunteer
from .permissions import (
    VISIT_READERS,
    is_visitor,
    is_volunteer,
    is_worker,
    may_cancel_signup,
    may_complete_visit,
    may_coordinate_volunteers,
    may_edit_rules,
    may_keep_referrals,
    may_keep_rule,
    may_organize_activities,
)
from .selectors import (
    coverage,
    get_rule_for,
    get_task_for,
    is_overdue,
    my_open_tasks,
    rule_preview,
    rule_regions,
    rules_for,
    search_tasks,
)

FOLLOW_UPS = ("order", "incident", "review", "referral", "confirm")


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
            "referral": Referral.objects.filter(task=task).first(),
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
    elif name == "referral":
        form = ReferralForm(post)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        perform(
            request,
            lambda: referrals.refer(actor=request.user, task_id=task.pk, reason=reason),
            _("A doctor referral was opened; the community worker follows it through."),
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


@console_page("visits:rules")
def rule_list(request):
    """The rules, each with how many active elders in the official's area it catches now."""
    rows = [
        {
            "rule": rule,
            "caught": rule_preview(request.user, rule),
            "may_keep": may_keep_rule(request.user, rule.region_id),
        }
        for rule in rules_for(request.user)
    ]
    return render(request, "visits/rules.html", {"rows": rows, "may_edit": may_edit_rules(request.user)})


@console_page("visits:rules")
def rule_edit(request, rule_id: int | None = None):
    """Edit a rule (or make one) with a preview: "Preview" counts the elders it would catch, unsaved."""
    rule = get_rule_for(request.user, rule_id) if rule_id is not None else None
    if not may_edit_rules(request.user) or (
        rule is not None and not may_keep_rule(request.user, rule.region_id)
    ):
        raise PermissionDenied
    preview = None
    regions = rule_regions(request.user)
    if request.method == "POST":
        form = RuleForm(request.POST, regions=regions)
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
        initial = {field: getattr(rule, field) for field in services.RULE_FIELDS}
        form = RuleForm(initial={**initial, "region": rule.region_id or ""}, regions=regions)
        preview = rule_preview(request.user, rule)
    else:
        form = RuleForm(initial={"active": True}, regions=regions)
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
    shown = list(volunteers.volunteers_for(request.user)[:200])
    balances = timebank.balances_minutes(shown)
    rows = [
        {"volunteer": v, "id_number": mask_id_number(v.id_number), "balance": balances[v.pk]} for v in shown
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


@console_page("visits:activities")
def activity_list(request):
    """The area's activities, soonest first; a community worker creates one here."""
    organizer = may_organize_activities(request.user)
    communities = _my_communities(request.user) if organizer else []
    form = NewActivityForm(request.POST or None, communities=communities, initial={"minutes": 60})
    if request.method == "POST":
        if not organizer:
            raise PermissionDenied
        if form.is_valid():
            try:
                created = activities.create_activity(actor=request.user, **form.cleaned_data)
            except DomainError as failure:
                attach_error(form, failure)
            else:
                messages.success(request, _("The activity was created."))
                return redirect("visits:activity", activity_id=created.pk)
    return render(
        request,
        "visits/activities.html",
        {
            "activities": activities.activities_for(request.user)[:200],
            "may_organize": organizer,
            "form": form if organizer else None,
        },
        status=422 if form.errors else 200,
    )


def _signable_elders(user, activity, signed) -> list:
    """The elders of the activity's community the worker may still sign up."""
    taken = [s.elder_id for s in signed if s.elder_id]
    elders = elders_for(user).filter(community_id=activity.community_id).exclude(pk__in=taken)
    return list(elders.order_by("name")[:300])


def _activity_context(request, activity, **forms_given) -> dict:
    organizer = may_organize_activities(request.user)
    signed = list(activities.signups_of(activity))
    open_ = activity.cancelled_at is None and activity.attendance_at is None
    upcoming = open_ and activity.starts_at > timezone.now()
    elders = _signable_elders(request.user, activity, signed) if organizer and open_ else []
    return {
        "activity": activity,
        "signups": [
            {"signup": s, "may_cancel": upcoming and may_cancel_signup(request.user, s)} for s in signed
        ],
        "may_organize": organizer,
        "upcoming": upcoming,
        "attendance_form": forms_given.get("attendance_form")
        or (AttendanceForm(signups=signed) if organizer and open_ and not upcoming else None),
        "elder_form": forms_given.get("elder_form") or (ElderSignupForm(elders=elders) if elders else None),
        "cancel_form": forms_given.get("cancel_form")
        or (CancelActivityForm() if organizer and upcoming else None),
        "may_sign_up": is_volunteer(request.user)
        and open_
        and not any(s.volunteer and s.volunteer.user_id == request.user.pk for s in signed),
    }


@console_page("visits:activities")
def activity_detail(request, activity_id: int):
    """One activity: its sign-ups; a volunteer signs up or cancels, the worker signs elders up, changes or
    cancels the activity before it starts and records who came after."""
    found = activities.get_activity_for(request.user, activity_id)
    return render(request, "visits/activity.html", _activity_context(request, found))


@console_page("visits:activities")
def activity_edit(request, activity_id: int):
    """Change an activity before it starts (the people signed up are told of a new time or place)."""
    found = activities.get_activity_for(request.user, activity_id)
    if not may_organize_activities(request.user):
        raise PermissionDenied
    initial = {field: getattr(found, field) for field in ("title", "place", "capacity", "minutes")}
    initial["starts_at"] = timezone.localtime(found.starts_at)
    form = ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activities.change_activity(actor=request.user, activity_id=found.pk, **form.cleaned_data)
        except DomainError as failure:
            attach_error(form, failure)
        else:
            messages.success(request, _("The activity was changed."))
            return redirect("visits:activity", activity_id=found.pk)
    return render(
        request,
        "visits/activity_form.html",
        {"activity": found, "form": form},
        status=422 if form.errors else 200,
    )


def _on_activity_page(request, activity, form, form_name: str, step, success: str):
    """A form of the activity's page: its service call when the form is valid, back to the page with a
    message; else the page again with the form and its errors (422)."""
    if form.is_valid():
        try:
            step(form.cleaned_data)
        except DomainError as failure:
            attach_error(form, failure)
        else:
            messages.success(request, success)
            return redirect("visits:activity", activity_id=activity.pk)
    context = _activity_context(request, activity, **{form_name: form})
    return render(request, "visits/activity.html", context, status=422)


@require_POST
@console_page("visits:activities")
def activity_cancel(request, activity_id: int):
    found = activities.get_activity_for(request.user, activity_id)
    return _on_activity_page(
        request, found, CancelActivityForm(request.POST), "cancel_form",
        lambda data: activities.cancel_activity(
            actor=request.user, activity_id=found.pk, reason=data["reason"]
        ),
        _("The activity was cancelled; the people signed up are told."),
    )  # fmt: skip


@require_POST
@console_page("visits:activities")
def activity_sign_up(request, activity_id: int):
    """A volunteer signs themselves up (no elder named); the worker signs up the elder chosen."""
    found = activities.get_activity_for(request.user, activity_id)
    if "elder_id" not in request.POST:
        perform(
            request, lambda: activities.sign_up(actor=request.user, activity_id=found.pk), _("Signed up.")
        )
        return redirect("visits:activity", activity_id=found.pk)
    elders = _signable_elders(request.user, found, activities.signups_of(found))
    return _on_activity_page(
        request, found, ElderSignupForm(request.POST, elders=elders), "elder_form",
        lambda data: activities.sign_up(actor=request.user, activity_id=found.pk, elder_id=data["elder_id"]),
        _("Signed up."),
    )  # fmt: skip


@require_POST
@console_page("visits:activities")
def signup_cancel(request, activity_id: int, signup_id: int):
    found = activities.get_activity_for(request.user, activity_id)
    perform(
        request,
        lambda: activities.cancel_signup(actor=request.user, activity_id=found.pk, signup_id=signup_id),
        _("The sign-up was cancelled; the place is free again."),
    )
    return redirect("visits:activity", activity_id=found.pk)


@require_POST
@console_page("visits:activities")
def activity_attendance(request, activity_id: int):
    """After the activity, the worker ticks who came."""
    found = activities.get_activity_for(request.user, activity_id)
    form = AttendanceForm(request.POST, signups=activities.signups_of(found))
    return _on_activity_page(
        request, found, form, "attendance_form",
        lambda data: activities.record_attendance(
            actor=request.user, activity_id=found.pk, attended=data["attended"]
        ),
        _("The attendance was recorded."),
    )  # fmt: skip


# --- doctor referrals (转介就医) ------------------------------------------------------------------------


@console_page("visits:referrals")
def referral_list(request):
    """The worker's unsettled referrals, the overdue first."""
    rows = referrals.open_referrals(request.user)
    return render(
        request,
        "visits/referrals.html",
        {"rows": rows, "overdue_count": sum(1 for row in rows if row["overdue"])},
    )


@console_page("visits:referrals")
def referral_detail(request, referral_id: int):
    """One referral: why, from which visit, its moves; the worker records the next one."""
    found = referrals.get_referral_for(request.user, referral_id)
    form = ReferralMoveForm(request.POST or None, initial={"doctor": found.doctor})
    keeper = may_keep_referrals(request.user) and found.state in referrals.OPEN_STATES
    if request.method == "POST":
        if not keeper:
            raise PermissionDenied
        if form.is_valid():
            try:
                moves = dict(form.cleaned_data)
                referrals.advance(
                    actor=request.user, referral_id=found.pk, to_state=moves.pop("state"), **moves
                )
            except DomainError as failure:
                attach_error(form, failure)
            else:
                messages.success(request, _("The referral was updated."))
                return redirect("visits:referral", referral_id=found.pk)
    return render(
        request,
        "visits/referral.html",
        {
            "referral": found,
            "overdue": referrals.is_overdue(found),
            "form": form if keeper else None,
        },
        status=422 if form.errors else 200,
    )
