"""The review of anomaly cases: the table of moves, the services that make them, the scoped reads, and each
case's explanation in words and its evidence as links.

open → under review (an official takes it up) → closed as confirmed (属实) or dismissed (排除), always with
a note saying why. ``advance`` refuses a move the table does not allow (409, ``illegal_transition``), and
records who, when and why in ``CaseTransition`` and the audit log, inside the caller's transaction with
the case's row locked. Officials reach the cases filed under a region of their area (``case_models``);
anyone else, or a case outside it, is the same 404.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from shouwang.core.errors import NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.elders.models import LifeEvent
from shouwang.orders.models import ExceptionKind, ExceptionState, OrderState

from .case_models import Case, CaseKind, CaseState, CaseTransition
from .ledger import yuan
from .models import RunState
from .permissions import may_review_cases
from .transitions import Machine

C = CaseState
MOVES: dict[str, frozenset[str]] = {
    C.OPEN: frozenset({C.UNDER_REVIEW}),
    C.UNDER_REVIEW: frozenset({C.CONFIRMED, C.DISMISSED}),
    C.CONFIRMED: frozenset(),
    C.DISMISSED: frozenset(),
}
CLOSED_ORDER = (C.CONFIRMED, C.DISMISSED)
CLOSED = frozenset(CLOSED_ORDER)
NOTE_MAX = 500


MACHINE = Machine(
    moves=MOVES,
    states=CaseState,
    refusal=gettext_lazy("This case is %(state)s and cannot become %(target)s."),
    transitions=CaseTransition,
    owner="case",
    text="note",
    where=lambda case: {"region_code": case.region_code},
)


def advance(case: Case, to_state: str, *, actor, note: str = "") -> Case:
    """Move ``case`` to ``to_state`` or refuse with 409: taking it up names the reviewer, closing it keeps
    the time and the note."""
    fields: dict = {}
    if to_state == C.UNDER_REVIEW:
        fields["reviewer"] = actor
    if to_state in CLOSED:
        fields.update(closed_at=timezone.now(), note=note)
    return MACHINE.advance(
        case, to_state, action=f"benefits.case.{to_state}", actor=actor, text=note, fields=fields
    )


# --- reads ----------------------------------------------------------------------------------------------


def cases_for(user, *, kind: str = "", state: str = "") -> QuerySet[Case]:
    """The cases filed under a region of the user's area (either of a case's two regions), optionally of
    one kind and state (``closed``: confirmed or dismissed)."""
    if not may_review_cases(user):
        return Case.objects.none()
    cases = scope_of(user).filter(Case.objects.all(), region=("region_code", "other_region_code"))
    if kind:
        cases = cases.filter(kind=kind)
    if state == "closed":
        cases = cases.filter(state__in=CLOSED)
    elif state:
        cases = cases.filter(state=state)
    return cases.select_related("elder", "reviewer").order_by("-created_at", "-id")


def get_case_for(user, case_id: int) -> Case:
    case = cases_for(user).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("This case does not exist or is outside your area."))
    return case


def transitions_of(case: Case) -> QuerySet[CaseTransition]:
    return case.transitions.select_related("actor")


# --- writes ---------------------------------------------------------------------------------------------


def _locked(actor, case_id: int) -> Case:
    case = cases_for(actor).select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("This case does not exist or is outside your area."))
    return case


@transaction.atomic
def take_case(*, actor, case_id: int, note: str = "") -> Case:
    """An official takes up an open case (open → under review); they become its reviewer."""
    case = _locked(actor, case_id)
    return advance(case, C.UNDER_REVIEW, actor=actor, note=(note or "").strip()[:NOTE_MAX])


@transaction.atomic
def close_case(*, actor, case_id: int, outcome: str, note: str) -> Case:
    """Close a case under review as confirmed (属实) or dismissed (排除), with a note saying why."""
    case = _locked(actor, case_id)  # a case outside the actor's area is 404 whatever the form says
    errors = {}
    if outcome not in CLOSED:
        errors["outcome"] = _("Choose whether the finding is confirmed or dismissed.")
    note = (note or "").strip()
    if not note:
        errors["note"] = _("Write what the review found: the note is required to close a case.")
    elif len(note) > NOTE_MAX:
        errors["note"] = _("The note may be at most %(max)s characters.") % {"max": NOTE_MAX}
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return advance(case, outcome, actor=actor, note=note)


# --- the explanation ------------------------------------------------------------------------------------


def _event_words(event: str) -> str:
    if event == LifeEvent.DECEASED:
        return pgettext("an elder, in a sentence", "died")
    return pgettext("an elder, in a sentence", "moved out")


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def explain(case: Case) -> str:
    """The case in plain words (Chinese by default), from the facts the check recorded."""
    facts = case.facts
    return EXPLAIN[case.kind](facts)


def _after_life_event(facts: dict) -> str:
    if facts.get("subject") == "payment":
        return _(
            "The registry records that %(elder)s %(event)s on %(event_date)s, before %(month)s began, yet "
            "the %(month)s run of %(region)s (%(run_state)s) gives them ¥%(amount)s: %(policies)s."
        ) % {
            **facts,
            "event": _event_words(facts["event"]),
            "run_state": _label(RunState, facts["run_state"]),
            "amount": yuan(facts["amount_fen"]),
            "policies": "、".join(facts["policies"]),
        }
    text = _(
        "The registry records that %(elder)s %(event)s on %(event_date)s, yet order #%(order)s was served "
        "for them on %(day)s and is now %(state)s."
    ) % {**facts, "event": _event_words(facts["event"]), "state": _label(OrderState, facts["state"])}
    if facts.get("amount_fen") is not None and facts["state"] == OrderState.SETTLED:
        text += " " + _("It was settled for ¥%(amount)s, ¥%(subsidy)s of it from vouchers.") % {
            "amount": yuan(facts["amount_fen"]),
            "subsidy": yuan(facts.get("subsidy_fen") or 0),
        }
    return text


def _double_claim(facts: dict) -> str:
    first, second = facts["orders"]
    return _(
        "Orders #%(a)s (%(a_start)s–%(a_end)s) and #%(b)s (%(b_start)s–%(b_end)s) both claim %(item)s for "
        "%(elder)s at overlapping times."
    ) % {
        "a": first["id"],
        "a_start": first["start"],
        "a_end": first["end"][-5:],
        "b": second["id"],
        "b_start": second["start"],
        "b_end": second["end"][-5:],
        "item": facts["item"],
        "elder": facts["elder"],
    }


def _impossible_travel(facts: dict) -> str:
    speed = (
        _("at the same time")
        if facts["kmh"] is None
        else _("%(minutes)s minutes later, %(kmh)s km/h") % {"minutes": facts["minutes"], "kmh": facts["kmh"]}
    )
    return _(
        "Caregiver %(caregiver)s left the visit of order #%(from_order)s at %(left_at)s and checked in for "
        "order #%(to_order)s at %(arrived_at)s, %(km)s km away (%(speed)s): faster than the %(limit)s km/h "
        "anyone can travel in the city."
    ) % {**facts, "speed": speed, "limit": f"{facts['limit_kmh']:.0f}"}


def _reason_words(reason: dict) -> str:
    code = reason["code"]
    if code == "no_visit":
        return _("there is no EVV record of the visit (no check-in)")
    if code == "no_position":
        return _("the check-in has no position")
    if code == "no_checkout":
        return _("the caregiver never checked out")
    if reason["state"] == ExceptionState.UPHELD:
        return _("the exception “%(kind)s” was upheld") % {"kind": _label(ExceptionKind, reason["kind"])}
    return _("the exception “%(kind)s” is still open") % {"kind": _label(ExceptionKind, reason["kind"])}


def _unverified(facts: dict) -> str:
    return _(
        "Order #%(order)s for %(elder)s on %(day)s was settled for ¥%(amount)s, but its visit was never "
        "verified: %(reasons)s."
    ) % {
        **facts,
        "amount": yuan(facts["amount_fen"] or 0),
        "reasons": _("; ").join(_reason_words(reason) for reason in facts["reasons"]),
    }


def _reused_proof(facts: dict) -> str:
    proof = _("signature") if facts["proof"] == "signature" else _("photo")
    visits = _(", ").join(
        _("order #%(id)s (%(at)s)") % {"id": row["id"], "at": row["at"]} for row in facts["orders"]
    )
    return _(
        "The same %(proof)s (fingerprint %(digest)s) was handed in for %(count)s different visits: "
        "%(visits)s. A signature or photo is taken anew at each visit, so one of them was copied."
    ) % {"proof": proof, "digest": facts["digest"], "count": len(facts["orders"]), "visits": visits}


def _two_regions(facts: dict) -> str:
    draws = _(", ").join(
        _("%(region)s ¥%(amount)s (run %(state)s)")
        % {"region": d["region"], "amount": yuan(d["amount_fen"]), "state": _label(RunState, d["state"])}
        for d in facts["draws"]
    )
    return _(
        "ID number %(id_number)s (%(elder)s) draws %(policy)s for %(month)s %(count)s times, in the runs of "
        "%(draws)s. A person draws a benefit once a month, in one region."
    ) % {**facts, "count": len(facts["draws"]), "draws": draws}


EXPLAIN = {
    CaseKind.AFTER_LIFE_EVENT: _after_life_event,
    CaseKind.DOUBLE_CLAIM: _double_claim,
    CaseKind.IMPOSSIBLE_TRAVEL: _impossible_travel,
    CaseKind.UNVERIFIED: _unverified,
    CaseKind.REUSED_PROOF: _reused_proof,
    CaseKind.TWO_REGIONS: _two_regions,
}


# --- the evidence ---------------------------------------------------------------------------------------


def evidence_of(case: Case) -> list[dict]:
    """The rows the case rests on, each with a label and the console page that shows it."""
    rows = []
    for item in case.evidence:
        kind, pk = item["type"], item["id"]
        if kind == "order":
            label, url = _("Order #%(id)s") % {"id": pk}, reverse("orders:detail", args=[pk])
        elif kind == "elder":
            label, url = (
                _("Elder %(name)s") % {"name": item.get("text", pk)},
                reverse("elders:detail", args=[pk]),
            )
        elif kind == "run":
            label = _("Eligibility run %(name)s") % {"name": item.get("text", pk)}
            url = reverse("benefits:run", args=[pk])
        else:  # a life event: shown in the elder's status history
            label = _("Status history entry #%(id)s") % {"id": pk}
            url = reverse("elders:detail", args=[item["elder"]])
        rows.append({"type": kind, "id": pk, "label": label, "url": url})
    return rows
