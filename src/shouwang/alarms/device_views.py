"""Console pages for alarm devices: the list (online state, battery), registering one (its secret shown on
that one answer only), and a device's page with its recent events and bind / unbind / retire."""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shouwang.core.errors import DomainError, ValidationFailed
from shouwang.core.forms import optional_int, perform
from shouwang.core.pagination import page_number, paginate
from shouwang.core.spreadsheets import open_sheet, write_xlsx
from shouwang.elders.imports import kept_upload
from shouwang.web.decorators import roles_page

from . import registration, services
from .models import DeviceState, DeviceType
from .permissions import ALARM_ROLES
from .selectors import devices_for, get_device_for, recent_events

FORM_FIELDS = ("serial", "type", "vendor", "model", "elder_id")


device_page = roles_page(ALARM_ROLES)


@device_page
def device_list(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "type", "state", "online")}
    devices = devices_for(request.user)
    if filters["q"]:
        q = filters["q"]
        devices = devices.filter(
            Q(device_id__icontains=q) | Q(serial__icontains=q) | Q(elder__name__contains=q)
        )
    if filters["type"]:
        devices = devices.filter(type=filters["type"])
    if filters["state"]:
        devices = devices.filter(state=filters["state"])
    if filters["online"] in ("1", "0"):
        devices = devices.filter(online=filters["online"] == "1")
    return render(
        request,
        "alarms/devices/list.html",
        {
            "page": paginate(devices.order_by("device_id"), page=page_number(request.GET.get("page"))),
            "query": "&".join(f"{key}={value}" for key, value in filters.items()),
            "filters": filters,
            "types": DeviceType.choices,
            "states": DeviceState.choices,
        },
    )


@never_cache
@device_page
def device_register(request):
    """The form; on success the same answer shows the secret, once (never cached, never shown again)."""
    values = (
        {key: request.POST.get(key, "") for key in FORM_FIELDS}
        if request.method == "POST"
        else {
            "type": DeviceType.SOS_PENDANT,
            "elder_id": request.GET.get("elder", ""),
        }
    )
    errors, message = {}, ""
    if request.method == "POST":
        try:
            elder_id = int(values["elder_id"]) if values["elder_id"].strip() else None
        except ValueError:
            errors, message = (
                {"elder_id": _("Give the elder's number.")},
                _("Please correct the device's details."),
            )
        else:
            try:
                device, secret = services.register_device(
                    actor=request.user,
                    serial=values["serial"],
                    type=values["type"],
                    vendor=values["vendor"],
                    model=values["model"],
                    elder_id=elder_id,
                )
            except DomainError as error:
                errors, message = getattr(error, "errors", None) or {}, error.message
            else:
                return render(request, "alarms/devices/registered.html", {"device": device, "secret": secret})
    return render(
        request,
        "alarms/devices/register.html",
        {"values": values, "errors": errors, "error": message, "types": DeviceType.choices},
    )


@never_cache
@device_page
def device_bulk(request):
    """A vendor's delivery list in, the devices' numbers and secrets out as a workbook, this once."""
    context = {"limit": registration.MAX_DEVICES, "error": "", "errors": {}}
    if request.method == "POST":
        try:
            made = _register_upload(request)
        except DomainError as error:
            context.update(error=error.message, errors=getattr(error, "errors", None) or {})
            return render(request, "alarms/devices/bulk.html", context, status=422)
        return _secrets_workbook(made)
    return render(request, "alarms/devices/bulk.html", context)


def _register_upload(request) -> list:
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed(_("Choose the delivery list to upload."), errors={"file": _("Required.")})
    with kept_upload(upload) as path, open_sheet(path) as sheet:
        rows = registration.rows_from_sheet(sheet)
    return registration.register_devices(actor=request.user, rows=rows)


def _secrets_workbook(made: list) -> HttpResponse:
    """The registered devices with their secrets, as a download that is never cached or kept."""
    buffer = io.BytesIO()
    header = [_("Device number"), _("Serial number / IMEI"), _("Type"), _("Elder number"), _("Secret")]
    write_xlsx(
        buffer,
        header,
        ([d.device_id, d.serial, d.type, d.elder_id or "", secret] for d, secret in made),
        sheet_name="devices",
    )
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="device-secrets.xlsx"'
    return response


@device_page
def device_detail(request, device_id: str):
    device = get_device_for(request.user, device_id)
    return render(
        request,
        "alarms/devices/detail.html",
        {
            "device": device,
            "events": recent_events(device, limit=30),
            "incidents": device.incidents.all()[:10],
        },
    )


@require_POST
@device_page
def device_action(request, device_id: str, action: str):
    """Bind, unbind or retire from the device's page; the service decides whether it is allowed."""
    device = get_device_for(request.user, device_id)
    actor = request.user
    steps = {
        "unbind": lambda: services.unbind_device(actor=actor, device_id=device.device_id),
        "retire": lambda: services.retire_device(actor=actor, device_id=device.device_id),
        "bind": lambda: services.bind_device(
            actor=actor, device_id=device.device_id, elder_id=optional_int(request.POST.get("elder_id")) or 0
        ),
    }
    if action not in steps:
        raise PermissionDenied
    perform(request, steps[action])
    return redirect("alarms:device_detail", device_id=device.device_id)
