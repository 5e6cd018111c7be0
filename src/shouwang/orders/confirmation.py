"""The elder confirms a completed visit without needing a smartphone: a signature on the caregiver's
screen, a one-time code sent by SMS to the elder's phone, or a call-back by an operator (or, with one, in the
family portal on the elder's or a linked family member's own login); each with a rating
of 1–5 and an optional comment. A low rating, or the elder saying the service was not done, makes the order
disputed instead of confirmed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, require_state
from shouwang.core.masking import mask_phone
from shouwang.core.outbox import queue_message
from shouwang.core.text import within_limit

from . import permissions
from .models import ConfirmationCode, ConfirmationMethod, Order, OrderState, Visit
from .selectors import orders_for
from .states import advance

S = OrderState
CODE_VALID = dt.timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
# A new code only after this long, unless the last one is used up or expired: SMS cost and nuisance.
CODE_RESEND_AFTER = dt.timedelta(seconds=60)
# A rating at or below this is a complaint in all but name: the order is disputed, not confirmed.
DISPUTE_AT_RATING = 2
SIGNATURE_MAX_CHARS = 300_000
SIGNATURE_PATTERN = re.compile(r"^data:image/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/=]+$")


def _order_for(actor, order_id: int, allowed: bool) -> Order:
    """The order, locked, if the actor's role may confirm it this way (``allowed``, from
    ``permissions``; 403 otherwise) and the actor may see it (``selectors.orders_for``: the assigned
    caregiver, an elder-account holder for their own elder, a desk role in the region). Anything else
    is 404."""
    if not allowed:
        raise Forbidden(_("Your role cannot record the elder's confirmation this way."))
    order = orders_for(actor).select_for_update(of=("self",)).filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("This order does not exist or is outside your area."))
    return order


def _require_completed(order: Order) -> None:
    require_state(
        order, {S.COMPLETED}, _("This order is %(state)s; only a completed visit can be confirmed.")
    )


def _rating(value) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        message = _("Choose a rating from 1 to 5 stars.")
        raise ValidationFailed(message, errors={"rating": message})
    return rating


def _finish(
    order: Order, *, actor, method: str, rating, comment: str, done: bool, details: dict | None = None
) -> Order:
    """Record the elder's word: confirmed, or disputed when the rating is low or the service not done."""
    rating = _rating(rating)
    comment = within_limit(comment, 300, field="comment", label=_("The comment"))
    fields = {"confirmed_via": method, "rating": rating, "rating_comment": comment}
    details = {"method": method, "rating": rating, **(details or {})}
    if not done or rating <= DISPUTE_AT_RATING:
        reason = (
            _("The elder says the service was not done.") if not done else _("Low rating from the elder.")
        )
        return advance(order, S.DISPUTED, actor=actor, reason=reason, details=details, fields=fields)
    fields["confirmed_at"] = timezone.now()
    return advance(order, S.CONFIRMED, actor=actor, details=details, fields=fields)


# --- signature -----------------------------------------------------------------------------------------


@transaction.atomic
def confirm_by_signature(
    *, actor, order_id: int, signature: str, rating, comment: str = "", done: bool = True
) -> Order:
    """The elder signs on the caregiver's phone; the drawing (a data: URL) is kept on the visit."""
    order = _order_for(actor, order_id, permissions.may_confirm_by_signature(actor))
    _require_completed(order)
    signature = (signature or "").strip()
    if not SIGNATURE_PATTERN.match(signature) or len(signature) > SIGNATURE_MAX_CHARS:
        message = _("Ask the elder to sign in the box first.")
        raise ValidationFailed(message, errors={"signature": message})
    visit = Visit.objects.filter(order=order).first()
    if visit is None:
        raise Conflict(_("This order has no recorded visit to sign for."), code="no_visit")
    visit.signature = signature
    visit.save(update_fields=["signature"])
    return _finish(
        order, actor=actor, method=ConfirmationMethod.SIGNATURE, rating=rating, comment=comment, done=done
    )


# --- one-time code by SMS ------------------------------------------------------------------------------


def _hash(order_id: int, code: str) -> str:
    return salted_hmac("shouwang.orders.confirmation", f"{order_id}:{code}", algorithm="sha256").hexdigest()


@transaction.atomic
def send_code(*, actor, order_id: int) -> ConfirmationCode:
    """Send a fresh 6-digit code to the elder's phone (valid 15 minutes); earlier codes stop working."""
    order = _order_for(actor, order_id, permissions.may_confirm_by_code(actor))
    _require_completed(order)
    phone = order.elder.phone.strip()
    if not phone:
        raise ValidationFailed(
            _("The elder has no phone number on record; ask for a signature or a call-back instead."),
            code="no_phone",
        )
    now = timezone.now()
    live = order.confirmation_codes.filter(used_at__isnull=True, expires_at__gt=now)
    if live.filter(created_at__gt=now - CODE_RESEND_AFTER, attempts__lt=CODE_MAX_ATTEMPTS).exists():
        raise Conflict(_("A code was sent less than a minute ago; wait a moment before sending another."),
                       code="code_sent_recently")  # fmt: skip
    live.update(expires_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    sent = ConfirmationCode.objects.create(
        order=order, code_hash=_hash(order.pk, code), sent_to=phone, expires_at=now + CODE_VALID
    )
    when = timezone.localtime(order.window_start)
    body = _(
        "Shouwang: your confirmation code for the home-care visit of %(date)s is %(code)s. Give it to the "
        "caregiver only if the service was done. Valid 15 minutes."
    ) % {"date": when.strftime("%m-%d %H:%M"), "code": code}
    queue_message(to=phone, body=body, purpose="order_confirmation_code", related=order)
    audit.record(
        actor=actor,
        action="orders.confirmation_code_sent",
        obj=order,
        after={"to": mask_phone(phone), "expires_at": sent.expires_at},
        region_code=order.community_id,
        provider_id=order.provider_id,
    )
    return sent


def _check_code(order: Order, code: str) -> str | None:
    """None when the code is right (and marks it used); else the refusal message. A wrong attempt is
    counted and kept even though the call then refuses."""
    latest = order.confirmation_codes.select_for_update().order_by("-created_at", "-id").first()
    now = timezone.now()
    if latest is None or latest.used_at is not None:
        return _("No code has been sent for this visit; send one first.")
    if latest.attempts >= CODE_MAX_ATTEMPTS:
        return _("Too many wrong codes; send a new code.")
    if latest.expires_at <= now:
        return _("The code has expired; send a new code.")
    if not hmac.compare_digest(latest.code_hash, _hash(order.pk, (code or "").strip())):
        latest.attempts += 1
        latest.save(update_fields=["attempts"])
        left = CODE_MAX_ATTEMPTS - latest.attempts
        if not left:
            return _("Wrong code, and that was the last try; send a new code.")
        return _("Wrong code; %(left)d tries left.") % {"left": left}
    latest.used_at = now
    latest.save(update_fields=["used_at"])
    return None


def confirm_by_code(
    *, actor, order_id: int, code: str, rating, comment: str = "", done: bool = True
) -> Order:
    """The caregiver or the elder types the code the elder received. The rating is checked before the code
    so a form mistake does not use up a try."""
    with transaction.atomic():
        order = _order_for(actor, order_id, permissions.may_confirm_by_code(actor))
        _require_completed(order)
        _rating(rating)
        refusal = _check_code(order, code)
        if refusal is None:
            return _finish(
                order,
                actor=actor,
                method=ConfirmationMethod.SMS_CODE,
                rating=rating,
                comment=comment,
                done=done,
            )
        audit.record(
            actor=actor,
            action="orders.confirmation_code_refused",
            obj=order,
            after={"reason": refusal},
            region_code=order.community_id,
            provider_id=order.provider_id,
        )
    # Raised after the transaction has kept the attempt count, so guessing stays limited.
    raise ValidationFailed(refusal, errors={"code": refusal}, code="wrong_code")


# --- call-back by an operator --------------------------------------------------------------------------


@transaction.atomic
def confirm_by_callback(
    *, actor, order_id: int, rating, comment: str = "", done: bool = True, note: str = ""
) -> Order:
    """An operator phoned the elder and records what the elder said."""
    order = _order_for(actor, order_id, permissions.may_call_back(actor))
    _require_completed(order)
    return _finish(
        order,
        actor=actor,
        method=ConfirmationMethod.CALLBACK,
        rating=rating,
        comment=comment,
        done=done,
        details={"note": within_limit(note, 300, field="note", label=_("The note"))} if note else None,
    )


# --- in the family portal ------------------------------------------------------------------------------


@transaction.atomic
def confirm_in_portal(*, actor, order_id: int, rating, comment: str = "", done: bool = True) -> Order:
    """The elder, or a family member linked to the elder with the elder's consent, confirms and rates the
    visit on their own login (the portal); the order must be one of their elder's (else NotFound)."""
    order = _order_for(actor, order_id, permissions.may_confirm_in_portal(actor))
    _require_completed(order)
    return _finish(
        order, actor=actor, method=ConfirmationMethod.PORTAL, rating=rating, comment=comment, done=done
    )
