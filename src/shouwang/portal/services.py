"""Linking a family login to an elder, and ending the link: the only writes of ``elders.FamilyLink``.

Two ways in, each recording the elder's consent (who recorded it, when, how):

- the family member types the elder's ID number, a 6-digit code goes to the elder's registered phone
  (through the outbox, ``core.outbox``), and the family member types it back: the elder passing the code on
  is the consent (``request_link_code``, ``link_by_code``). The code is kept hashed, expires after
  ``SHOUWANG_LINK_CODE_MINUTES`` and allows ``SHOUWANG_LINK_CODE_ATTEMPTS`` wrong tries;
- a community worker of the elder's community links them in the console after hearing the elder's consent
  in person or by phone (``link_by_worker``).

Either side may end the link (``unlink``): the family for itself, a worker for the elders in their area.
Every step is audited.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import require_actor
from shouwang.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from shouwang.core.idnumbers import parse_resident_id
from shouwang.core.masking import mask_phone
from shouwang.core.outbox import queue_message
from shouwang.core.text import within_limit
from shouwang.elders.models import ConsentWay, Elder, FamilyLink, Status
from shouwang.elders.permissions import is_family
from shouwang.elders.selectors import get_elder_for

from .models import LinkCode
from .permissions import may_link_families, may_use_portal

# A new code only after this long, unless the last one is used up or expired: SMS cost and nuisance.
RESEND_AFTER = dt.timedelta(seconds=60)
RELATION_LENGTH = 20  # FamilyLink.relation's max_length
WORKER_CONSENT_WAYS = (ConsentWay.IN_PERSON, ConsentWay.PHONE_CALL)


def _hash(user_id: int, elder_id: int, code: str) -> str:
    return salted_hmac("shouwang.portal.link", f"{user_id}:{elder_id}:{code}", algorithm="sha256").hexdigest()


def _require_family(actor) -> None:
    require_actor(actor)
    if not may_use_portal(actor):
        raise Forbidden(_("Only an elder or family login links itself to an elder."))


def _relation(relation: str) -> str:
    return within_limit((relation or "").strip(), RELATION_LENGTH, field="relation", label=_("The relation"))


def _elder_by_id_number(id_number: str) -> Elder | None:
    """The active elder with that ID number and a phone on record, or None (never saying which is missing:
    the answer must not tell a stranger whether someone is registered)."""
    try:
        number = parse_resident_id((id_number or "").strip()).number
    except DomainError as error:
        raise ValidationFailed(error.message, errors={"id_number": error.message}) from None
    return Elder.objects.filter(id_number=number, status=Status.ACTIVE).exclude(phone="").first()


@transaction.atomic
def request_link_code(*, actor, id_number: str) -> LinkCode | None:
    """Send a 6-digit code to the registered phone of the elder with ``id_number``. Returns the code row,
    or None when there is no such active elder with a phone (the caller says the same either way: "if
    the number is registered, a code was sent"). Every request, matched or not, counts against the wait
    between requests and ``SHOUWANG_LINK_CODES_PER_DAY``, so neither tells whether a number is registered."""
    _require_family(actor)
    elder = _elder_by_id_number(id_number)
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    asked = LinkCode.objects.filter(user=actor)
    if asked.filter(created_at__gte=today).count() >= settings.SHOUWANG_LINK_CODES_PER_DAY:
        raise Conflict(
            _(
                "You have asked for codes too many times today. "
                "Try again tomorrow, or ask your community worker."
            ),
            code="too_many_codes",
        )
    if elder is not None and FamilyLink.objects.filter(user=actor, elder=elder).exists():
        raise Conflict(_("You are already linked to this elder."), code="already_linked")
    if asked.filter(created_at__gt=now - RESEND_AFTER).exists():
        raise Conflict(
            _("A code was sent less than a minute ago; wait a moment before asking for another."),
            code="code_sent_recently",
        )
    if elder is None:
        LinkCode.objects.create(user=actor, elder=None, expires_at=now)
        audit.record(actor=actor, action="portal.link_code_unmatched")
        return None
    asked.filter(elder=elder, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    minutes = settings.SHOUWANG_LINK_CODE_MINUTES
    sent = LinkCode.objects.create(
        user=actor,
        elder=elder,
        code_hash=_hash(actor.pk, elder.pk, code),
        sent_to=elder.phone,
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    body = _(
        "Shouwang: %(name)s asks to see your home-care services, alarms and allowances as your family. "
        "If you agree, give them this code: %(code)s (valid %(minutes)d minutes). "
        "If not, ignore this message."
    ) % {"name": actor.full_name or actor.get_username(), "code": code, "minutes": minutes}
    queue_message(to=elder.phone, body=body, purpose="family_link_code", related=elder)
    audit.record(
        actor=actor,
        action="portal.link_code_sent",
        obj=elder,
        after={"to": mask_phone(elder.phone), "expires_at": sent.expires_at},
        region_code=elder.community_id,
    )
    return sent


def _check_code(actor, elder: Elder | None, code: str) -> str | None:
    """None when the code is right (and marks it used); else the refusal. A wrong try is counted."""
    if elder is None:
        return _("No code has been sent for this ID number; ask for a code first.")
    latest = (
        LinkCode.objects.select_for_update()
        .filter(user=actor, elder=elder)
        .order_by("-created_at", "-id")
        .first()
    )
    now = timezone.now()
    if latest is None or latest.used_at is not None:
        return _("No code has been sent for this ID number; ask for a code first.")
    limit = settings.SHOUWANG_LINK_CODE_ATTEMPTS
    if latest.attempts >= limit:
        return _("Too many wrong codes; ask for a new code.")
    if latest.expires_at <= now:
        return _("The code has expired; ask for a new code.")
    if not hmac.compare_digest(latest.code_hash, _hash(actor.pk, elder.pk, (code or "").strip())):
        latest.attempts += 1
        latest.save(update_fields=["attempts"])
        left = limit - latest.attempts
        if not left:
            return _("Wrong code, and that was the last try; ask for a new code.")
        return _("Wrong code; %(left)d tries left.") % {"left": left}
    latest.used_at = now
    latest.save(update_fields=["used_at"])
    return None


def link_by_code(*, actor, id_number: str, code: str, relation: str = "") -> FamilyLink:
    """Link the actor (a family login) to the elder with ``id_number`` when ``code`` is the one sent to
    the elder's phone; the consent is recorded as given by code, by the actor, now."""
    _require_family(actor)
    relation = _relation(relation)
    with transaction.atomic():
        elder = _elder_by_id_number(id_number)
        refusal = _check_code(actor, elder, code)
        if refusal is None and elder is not None:
            return _link(actor=actor, elder=elder, user=actor, relation=relation, way=ConsentWay.SMS_CODE)
        audit.record(
            actor=actor,
            action="portal.link_code_refused",
            obj=elder,
            after={"reason": refusal},
            region_code=elder.community_id if elder else "",
        )
    # Raised after the transaction has kept the attempt count, so guessing stays limited.
    refusal = refusal or ""
    raise ValidationFailed(refusal, errors={"code": refusal}, code="wrong_code")


def _family_user(username: str):
    from shouwang.accounts.models import User

    user = User.objects.filter(username=(username or "").strip(), is_active=True).first()
    if user is None or not is_family(user):
        message = _("No active elder or family login has that login name.")
        raise ValidationFailed(message, errors={"username": message})
    return user


@transaction.atomic
def link_by_worker(
    *, actor, elder_id: int, username: str, relation: str = "", consent_way: str
) -> FamilyLink:
    """A community worker links the family login ``username`` to an elder of their area, having heard the
    elder's consent ``consent_way`` (in person or by phone); recorded as given to the worker, now."""
    require_actor(actor)
    if not may_link_families(actor):
        raise Forbidden(_("Only community workers link families to elders."))
    elder = get_elder_for(actor, elder_id)
    if consent_way not in WORKER_CONSENT_WAYS:
        message = _("Say how the elder agreed: in person or by phone.")
        raise ValidationFailed(message, errors={"consent_way": message})
    user = _family_user(username)
    if FamilyLink.objects.filter(user=user, elder=elder).exists():
        raise Conflict(_("This login is already linked to this elder."), code="already_linked")
    return _link(actor=actor, elder=elder, user=user, relation=_relation(relation), way=consent_way)


def _link(*, actor, elder: Elder, user, relation: str, way: str) -> FamilyLink:
    link, created = FamilyLink.objects.get_or_create(
        elder=elder,
        user=user,
        defaults={
            "relation": relation,
            "consent_way": way,
            "consent_by": actor,
            "consent_at": timezone.now(),
        },
    )
    if created:
        audit.record(
            actor=actor,
            action="portal.link",
            obj=elder,
            after={"user": user.get_username(), "relation": relation, "consent": way},
            region_code=elder.community_id,
        )
    return link


@transaction.atomic
def unlink(*, actor, elder_id: int, user_id: int) -> None:
    """End a family link: the family login for itself, or a community worker for an elder of their area.
    A link the actor may not see is NotFound."""
    require_actor(actor)
    if may_use_portal(actor):
        if user_id != actor.pk:
            raise NotFound(_("This link does not exist."))
    elif not may_link_families(actor):
        raise Forbidden(_("Only community workers link families to elders."))
    elder = get_elder_for(actor, elder_id)
    link = (
        FamilyLink.objects.select_for_update()
        .filter(elder=elder, user_id=user_id)
        .select_related("user")
        .first()
    )
    if link is None:
        raise NotFound(_("This link does not exist."))
    link.delete()
    audit.record(
        actor=actor,
        action="portal.unlink",
        obj=elder,
        before={"user": link.user.get_username(), "consent": link.consent_way, "since": link.consent_at},
        region_code=elder.community_id,
    )
