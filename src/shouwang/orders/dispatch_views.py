"""The operator's candidates panel on the order page: the ranked shortlist with every factor's points and
reason, a "dispatch to this one" button per provider, "auto-dispatch", and the order's dispatch history
(deadline moves and attempts that found nobody). The order page loads it with htmx from
``orders:candidates``; the buttons post to ``orders:dispatch``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.text import is_digits

from . import dispatch as services
from .matching import CAREGIVER_WEIGHTS, WEIGHTS, order_to_dispatch, shortlist

FACTOR_NAMES = {
    "distance": gettext_lazy("distance"),
    "continuity": gettext_lazy("continuity (the same caregiver)"),
    "rating": gettext_lazy("rating"),
    "load": gettext_lazy("current load"),
    "price": gettext_lazy("price"),
    "skill": gettext_lazy("qualified caregivers"),
}


def _factor_rows(factors: dict) -> list[dict]:
    return [{"name": FACTOR_NAMES.get(key, key), **value} for key, value in factors.items()]


def _panel(request, order_id: int, *, error: str = "", notice: str = ""):
    order = order_to_dispatch(request.user, order_id)
    may_dispatch = order.state in services.DISPATCHABLE
    listed = shortlist(order, limit=10, explain=request.GET.get("explain") == "1") if may_dispatch else None
    rows = []
    for candidate in listed.candidates if listed else []:
        rows.append(
            {
                "candidate": candidate,
                "factors": _factor_rows(candidate.factors),
                "caregivers": [
                    {"caregiver": c, "factors": _factor_rows(c.factors)} for c in candidate.caregivers[:5]
                ],
            }
        )
    return render(
        request,
        "orders/dispatch/_candidates.html",
        {
            "order": order,
            "may_dispatch": may_dispatch,
            "listed": listed,
            "rows": rows,
            "weights": [(FACTOR_NAMES[key], weight) for key, weight in WEIGHTS.items()],
            "caregiver_weights": [(FACTOR_NAMES[key], weight) for key, weight in CAREGIVER_WEIGHTS.items()],
            "log": services.dispatch_log(order),
            "error": error,
            "notice": notice,
            "explain": request.GET.get("explain") == "1",
        },
    )


@login_required
def candidates(request, order_id: int):
    """The panel's content (an htmx fragment; also readable on its own)."""
    return _panel(request, order_id)


@require_POST
@login_required
def dispatch(request, order_id: int):
    """Dispatch to the chosen provider (``provider_id``) or, without one, to the top of the shortlist. With
    htmx, success reloads the order page and a refusal or "nobody to dispatch to" shows in the panel;
    without, every outcome is a message on the order page."""
    raw = (request.POST.get("provider_id") or "").strip()
    try:
        if raw:
            if not is_digits(raw):
                raise ValidationFailed(_("Choose a provider from the list."))
            order = services.dispatch_order(
                actor=request.user,
                order_id=order_id,
                provider_id=int(raw),
                reason=request.POST.get("reason", ""),
            )
            text = _("Dispatched to %(provider)s.") % {"provider": order.provider.name}
        else:
            outcome = services.auto_dispatch(actor=request.user, order_id=order_id)
            if not outcome.dispatched:
                return _refused(request, order_id, notice=outcome.message)
            text = outcome.message
    except (NotFound, Forbidden):
        raise
    except (ValidationFailed, Conflict) as error:
        return _refused(request, order_id, error=error.message)
    messages.success(request, text)
    if request.htmx:
        return HttpResponseClientRefresh()
    return redirect("orders:detail", order_id=order_id)


def _refused(request, order_id: int, *, error: str = "", notice: str = ""):
    if request.htmx:
        return _panel(request, order_id, error=error, notice=notice)
    if error:
        messages.error(request, error)
    else:
        messages.warning(request, notice)
    return redirect("orders:detail", order_id=order_id)
