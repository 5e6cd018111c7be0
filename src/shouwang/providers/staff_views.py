"""Console pages for a provider's staff: the list (with certificates running out), a staff member's page
with certificates, training, skills, shifts and an eligibility check, and the add/edit form. ID numbers
and phones are shown masked only."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.catalog.models import ServiceItem
from shouwang.core.errors import DomainError, Forbidden
from shouwang.core.forms import optional_date, perform
from shouwang.core.pagination import page_number, paginate
from shouwang.web.decorators import console_page

from . import staff as services
from .models import StaffCertificateKind, StaffJob
from .permissions import may_manage_staff
from .selectors import expiring_certificates, get_provider_for, get_staff_for, staff_of_provider_for

FORM_FIELDS = ("name", "id_number", "phone", "job", "home_lat", "home_lon")


def _may_manage(user) -> bool:
    return may_manage_staff(user)


@console_page("providers:list")
def staff_list(request, provider_id: int):
    provider = get_provider_for(request.user, provider_id)
    staff = staff_of_provider_for(request.user, provider.pk)
    active, job, q = (
        request.GET.get("active", "1"),
        request.GET.get("job", ""),
        request.GET.get("q", "").strip(),
    )
    if active in ("1", "0"):
        staff = staff.filter(active=active == "1")
    if job:
        staff = staff.filter(job=job)
    if q:
        staff = staff.filter(name__icontains=q)
    return render(
        request,
        "providers/staff_list.html",
        {
            "provider": provider,
            "page": paginate(staff, page=page_number(request.GET.get("page"))),
            "query": f"active={active}&job={job}&q={q}",
            "active": active,
            "job": job,
            "q": q,
            "jobs": StaffJob.choices,
            "may_manage": _may_manage(request.user),
            "expiring": expiring_certificates(request.user, provider_id=provider.pk)[:50],
            "today": timezone.localdate(),
        },
    )


def _form(request, *, provider, staff=None):
    """The add/edit form; the service checks every value and names the field that is wrong."""
    if not _may_manage(request.user):
        raise Forbidden(_("Only the provider's administrator or an official may manage staff."))
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in FORM_FIELDS}
    elif staff is not None:
        values = {key: getattr(staff, key) for key in FORM_FIELDS}
        values["id_number"] = ""
    else:
        values = {"job": StaffJob.CAREGIVER}
    errors, message = {}, ""
    if request.method == "POST":
        photo = request.FILES.get("photo")
        fields = {key: values[key] for key in FORM_FIELDS}
        fields["home_lat"] = fields["home_lat"] or None
        fields["home_lon"] = fields["home_lon"] or None
        try:
            if staff is None:
                saved = services.add_staff(actor=request.user, provider_id=provider.pk, photo=photo, **fields)
            else:
                if not fields["id_number"]:
                    fields.pop("id_number")  # left empty: unchanged (the stored number is never shown)
                if photo:
                    fields["photo"] = photo
                saved = services.update_staff(actor=request.user, staff_id=staff.pk, **fields)
        except DomainError as error:
            errors, message = getattr(error, "errors", None) or {}, error.message
        else:
            messages.success(request, _("Saved."))
            return redirect("providers:staff_detail", staff_id=saved.pk)
    return render(
        request,
        "providers/staff_form.html",
        {
            "provider": provider,
            "staff": staff,
            "values": values,
            "errors": errors,
            "error": message,
            "jobs": StaffJob.choices,
        },
    )


@console_page("providers:list")
def staff_new(request, provider_id: int):
    return _form(request, provider=get_provider_for(request.user, provider_id))


@console_page("providers:list")
def staff_edit(request, staff_id: int):
    staff = get_staff_for(request.user, staff_id)
    return _form(request, provider=staff.provider, staff=staff)


def _shift_text(ranges) -> str:
    return ", ".join(f"{first}-{last}" for first, last in ranges)


def _parse_shift_text(text: str) -> list[list[str]]:
    """ "08:00-12:00, 13:30-17:30" → [["08:00", "12:00"], ["13:30", "17:30"]]; the service checks them."""
    pairs = []
    for piece in text.replace("，", ",").replace("–", "-").replace("—", "-").split(","):
        if piece.strip():
            first, _sep, last = piece.strip().partition("-")
            pairs.append([first.strip(), last.strip()])
    return pairs


@console_page("providers:list")
def staff_detail(request, staff_id: int):
    staff = get_staff_for(request.user, staff_id)
    items = list(ServiceItem.objects.filter(active=True).order_by("position", "code"))
    names = {item.code: item.name for item in ServiceItem.objects.all()}
    check = None
    if request.GET.get("item"):
        check = _eligibility_check(request, staff, items)
    today = timezone.localdate()
    return render(
        request,
        "providers/staff_detail.html",
        {
            "staff": staff,
            "provider": staff.provider,
            "certificates": staff.certificates.all(),
            "trainings": staff.trainings.all(),
            "skills": [(code, names.get(code, code)) for code in staff.skills],
            "items": items,
            "shifts": [
                (day, services.WEEKDAY_NAMES[day], _shift_text(staff.weekly_shifts.get(day, [])))
                for day in services.WEEKDAYS
            ],
            "certificate_kinds": StaffCertificateKind.choices,
            "levels": services.CAREGIVER_LEVELS,
            "may_manage": _may_manage(request.user),
            "check": check,
            "today": today,
            "soon": today + dt.timedelta(days=60),
        },
    )


def _eligibility_check(request, staff, items) -> dict:
    item = next((item for item in items if item.code == request.GET["item"]), None)
    values = {key: request.GET.get(key, "") for key in ("item", "day", "start", "end")}
    try:
        day = dt.date.fromisoformat(values["day"])
        start = dt.datetime.combine(day, dt.time.fromisoformat(values["start"]))
        end = dt.datetime.combine(day, dt.time.fromisoformat(values["end"]))
    except ValueError:
        return {**values, "reasons": [_("Give the day and the start and end times.")]}
    if item is None:
        return {**values, "reasons": [_("This service item does not exist.")]}
    tz = timezone.get_current_timezone()
    reasons = services.eligibility(staff, item, timezone.make_aware(start, tz), timezone.make_aware(end, tz))
    return {**values, "reasons": reasons, "eligible": not reasons}


@require_POST
@console_page("providers:list")
def staff_action(request, staff_id: int, action: str):
    """One change from the staff member's page; the service decides whether it is allowed."""
    get_staff_for(request.user, staff_id)  # out of scope: the 404 page, not a message on someone's page
    post = request.POST
    actor = request.user
    steps = {
        "certificate": lambda: services.add_certificate(
            actor=actor,
            staff_id=staff_id,
            kind=post.get("kind", ""),
            number=post.get("number", ""),
            level=post.get("level", ""),
            issued_on=optional_date(post.get("issued_on")),
            expires_on=optional_date(post.get("expires_on")),
        ),
        "training": lambda: services.add_training(
            actor=actor,
            staff_id=staff_id,
            title=post.get("title", ""),
            trained_on=optional_date(post.get("trained_on")),
            hours=post.get("hours", ""),
            organiser=post.get("organiser", ""),
        ),
        "skills": lambda: services.set_skills(actor=actor, staff_id=staff_id, codes=post.getlist("skills")),
        "shifts": lambda: services.set_shifts(
            actor=actor,
            staff_id=staff_id,
            shifts={day: _parse_shift_text(post.get(day, "")) for day in services.WEEKDAYS},
        ),
        "deactivate": lambda: services.deactivate_staff(
            actor=actor, staff_id=staff_id, reason=post.get("reason", "")
        ),
        "reactivate": lambda: services.reactivate_staff(actor=actor, staff_id=staff_id),
    }
    if action not in steps:
        return redirect("providers:staff_detail", staff_id=staff_id)
    perform(request, steps[action])
    return redirect("providers:staff_detail", staff_id=staff_id)
