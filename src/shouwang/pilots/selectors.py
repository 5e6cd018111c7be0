"""Reads of pilot programmes, scoped: an official sees the programmes of the regions in their subtrees
(a district official those of its streets too). Missing and forbidden are the same NotFound."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shouwang.core.actors import is_system
from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of

from .models import Pilot, PilotState
from .permissions import may_read_pilots
from .states import STAGES

PUBLISHED_STATES = (PilotState.NOTICE, PilotState.IMPLEMENTING, PilotState.ACCEPTANCE, PilotState.ACCEPTED)


def pilots_for(user, *, state: str = "") -> QuerySet[Pilot]:
    if not (is_system(user) or may_read_pilots(user)):
        return Pilot.objects.none()
    pilots = scope_of(user).filter(Pilot.objects.select_related("region"), region="region__code")
    return pilots.filter(state=state) if state else pilots


def get_pilot_for(user, pilot_id: int) -> Pilot:
    try:
        return pilots_for(user).get(pk=pilot_id)
    except Pilot.DoesNotExist:
        raise NotFound(_("This pilot programme does not exist or is outside your area.")) from None


def public_pilots() -> QuerySet[Pilot]:
    """Programmes the public may read (公示 and after): title, region, goals, notice dates, result."""
    return Pilot.objects.filter(state__in=PUBLISHED_STATES).select_related("region").order_by("-notice_from")


def stages_of(pilot: Pilot) -> list[dict]:
    """The stages on the way to acceptance, each with when it was entered and left (None: not yet), from
    the programme's moves; a programme that ended elsewhere (rejected, failed...) has that last."""
    moves = list(pilot.events.filter(kind="move").order_by("at", "id"))
    entered: dict[str, object] = {PilotState.APPLIED: pilot.created_at}
    left: dict[str, object] = {}
    for move in moves:
        left[move.from_state] = move.at
        entered[move.to_state] = move.at  # a stage entered again (returned for rectification) counts anew
        left.pop(move.to_state, None)
    names = list(STAGES) + ([pilot.state] if pilot.state not in STAGES else [])
    return [
        {
            "state": name,
            "label": str(PilotState(name).label),
            "entered_at": entered.get(name),
            "left_at": left.get(name),
            "current": name == pilot.state,
        }
        for name in names
    ]
