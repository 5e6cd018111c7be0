"""Reads of the hotline, always through the acting user's scope: the caller's pop-up by number, the
elder's card, calls, call-backs, active-care lists, the knowledge base and the statistics.

Calls, call-backs and care calls are filed under ``region_code`` (the elder's community): operators and
the bureau see their region subtrees, a community worker their communities, the platform admin all.
Missing and out-of-scope rows are both NotFound. Phones leave this module masked; the full numbers are
revealed on the elder's page, audited (``elders.services.reveal_elder``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.accounts.models import User
from shouwang.alarms.selectors import incidents_for
from shouwang.assessments.careplans import active_plan_for
from shouwang.benefits.models import EligibilityResult
from shouwang.benefits.permissions import may_read_elder_benefits
from shouwang.benefits.selectors import ElderBenefits, elder_benefits
from shouwang.core.errors import NotFound, ValidationFailed
from shouwang.core.masking import mask_phone
from shouwang.core.phones import LANDLINE, normalise_phone
from shouwang.core.pinyin import initials
from shouwang.core.roles import Role
from shouwang.core.scope import scope_of
from shouwang.elders.models import FAMILY_USER, Elder, EmergencyContact, LivingArrangement, Status
from shouwang.elders.selectors import elders_for, get_elder_for
from shouwang.orders.selectors import orders_for
from shouwang.orders.states import OPEN_STATES, SERVED_STATES
from shouwang.providers.models import Provider, StaffMember

from .models import Article, ArticleState, CallBack, CallerKind, CallReason, CallRecord, CareCall
from .permissions import CALL_BACK_ASSIGNEES, may_read_calls, may_read_knowledge

# --- scope --------------------------------------------------------------------------------------------


def _scoped(user, queryset: QuerySet) -> QuerySet:
    if not may_read_calls(user):
        return queryset.none()
    return scope_of(user).filter(queryset, region="region_code")


def calls_for(user) -> QuerySet[CallRecord]:
    """The calls the user may see, with what a list shows joined in."""
    return _scoped(user, CallRecord.objects.select_related("elder", "operator", "incident"))


def get_call_for(user, call_id: int) -> CallRecord:
    try:
        return calls_for(user).get(pk=call_id)
    except (CallRecord.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This call does not exist or is outside your area.")) from None


def filter_calls(
    calls: QuerySet[CallRecord],
    *,
    reason: str = "",
    since: dt.datetime | None = None,
    elder: int | None = None,
) -> QuerySet[CallRecord]:
    if reason:
        calls = calls.filter(reason=reason)
    if since is not None:
        calls = calls.filter(started_at__gte=since)
    if elder:
        calls = calls.filter(elder_id=elder)
    return calls


def call_backs_for(user) -> QuerySet[CallBack]:
    return _scoped(user, CallBack.objects.select_related("call", "call__elder", "assignee"))


def get_call_back_for(user, call_back_id: int) -> CallBack:
    try:
        return call_backs_for(user).get(pk=call_back_id)
    except (CallBack.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This call-back does not exist or is outside your area.")) from None


def open_call_backs(user) -> QuerySet[CallBack]:
    return call_backs_for(user).filter(done_at__isnull=True)


def overdue_call_backs(user, now: dt.datetime | None = None) -> QuerySet[CallBack]:
    """Promised call-backs not made by their due time, the longest overdue first."""
    return open_call_backs(user).filter(due_at__lt=now or timezone.now()).order_by("due_at", "id")


def care_calls_for(user, day: dt.date | None = None) -> QuerySet[CareCall]:
    """The active-care list of ``day`` (today, Asia/Shanghai, by default): the ones still to call first."""
    day = day or timezone.localdate()
    return (
        _scoped(user, CareCall.objects.select_related("elder", "elder__community", "call"))
        .filter(day=day)
        # Nulls first on both databases: PostgreSQL sorts them last by default.
        .order_by(F("done_at").asc(nulls_first=True), "region_code", "elder__name", "id")
    )


def get_care_call_for(user, care_call_id: int, *, lock: bool = False) -> CareCall:
    """One entry of an active-care list (locked for the transaction with ``lock``)."""
    care_calls = _scoped(user, CareCall.objects.select_related("elder"))
    if lock:
        care_calls = care_calls.select_for_update(of=("self",))
    try:
        return care_calls.get(pk=care_call_id)
    except (CareCall.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This active-care call does not exist or is outside your area.")) from None


def call_back_assignees(user) -> QuerySet[User]:
    """Whom a call-back may be given to: active desk staff sharing a region with the user."""
    scope = scope_of(user)
    users = User.objects.filter(is_active=True, role__in=CALL_BACK_ASSIGNEES)
    if scope.everything:
        return users.order_by("username")
    conditions = Q(pk=user.pk)
    for prefix in scope.region_prefixes:
        conditions |= Q(regions__code__startswith=prefix)
    return users.filter(conditions).distinct().order_by("username")


# --- who is calling ---------------------------------------------------------------------------------


@dataclass
class CallerMatch:
    kind: str  # CallerKind
    name: str
    detail: str  # a relation, a provider's name
    elders: list[Elder] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(CallerKind(self.kind).label)


def phone_variants(number: str) -> list[str]:
    """The stored forms one normalised number may take: a landline is kept with or without the dash after
    its area code, whichever was typed when it was registered."""
    digits = number.replace("-", "")
    if not LANDLINE.fullmatch(number):
        return [number]
    variants = {number, digits}
    for area in (3, 4):
        variants.add(f"{digits[:area]}-{digits[area:]}")
    return sorted(variants)


def lookup_caller(user, number: str) -> tuple[str, list[CallerMatch]]:
    """Who the calling ``number`` is, as far as the user may see: the elder whose phone it is, a family
    account holding it (with the elders it is assigned to), an emergency contact (with whose), a provider
    or one of its staff. Returns the normalised number and the matches, elders first; a number that is
    not a phone raises ValidationFailed, an unknown one gives no match."""
    number = normalise_phone(number.strip(), field="number")
    if not number:
        return "", []
    variants = phone_variants(number)
    reachable = elders_for(user)
    matches: list[CallerMatch] = []
    for elder in reachable.filter(Q(phone__in=variants) | Q(second_phone__in=variants)).order_by("name")[:10]:
        matches.append(CallerMatch(CallerKind.ELDER, elder.name, "", [elder]))
    family = User.objects.filter(role=Role.ELDER, is_active=True, phone__in=variants)
    for account in family[:10]:
        elders = list(reachable.filter(**{FAMILY_USER: account.pk}).order_by("name")[:10])
        if elders:
            matches.append(CallerMatch(CallerKind.FAMILY, str(account), "", elders))
    contacts: dict[tuple[str, str], CallerMatch] = {}
    rows = EmergencyContact.objects.filter(phone__in=variants, elder__in=reachable.values("pk"))
    for contact in rows.select_related("elder", "elder__community").order_by("name", "elder__name")[:20]:
        key = (contact.name, contact.relation)
        match = contacts.setdefault(key, CallerMatch(CallerKind.CONTACT, contact.name, contact.relation))
        match.elders.append(contact.elder)
    matches.extend(contacts.values())
    providers = Provider.objects.filter(
        Q(contact_phone__in=variants)
        | Q(pk__in=StaffMember.objects.filter(phone__in=variants).values("provider"))
    )
    for provider in providers[:5]:
        matches.append(CallerMatch(CallerKind.PROVIDER, provider.name, ""))
    return number, matches


def caller_kind_of(user, number: str, elder_id: int | None) -> str:
    """How the caller relates to the elder of the call, from the number (unknown when nothing matches)."""
    try:
        _number, matches = lookup_caller(user, number)
    except ValidationFailed:  # a number that is not a phone is the service's to refuse
        return CallerKind.UNKNOWN
    for match in matches:
        if elder_id is None or any(elder.pk == elder_id for elder in match.elders) or not match.elders:
            return match.kind
    return CallerKind.UNKNOWN


# --- the elder's card --------------------------------------------------------------------------------


@dataclass
class ElderCard:
    elder: Elder
    phone: str
    second_phone: str
    contacts: list[dict]
    care_plan: object | None
    open_orders: list
    recent_services: list  # the last services given, with the caregiver and the verified visit times
    recent_alarms: list
    recent_calls: list
    open_call_backs: list
    benefits: ElderBenefits | None
    care_call_today: CareCall | None


def elder_card(user, elder_id: int) -> ElderCard:
    """What the desk shows about the elder of a call, masked: phones and contacts, the approved care plan,
    open orders, the last services (visits) given, the last alarms and calls, open call-backs, and (for
    the roles that read them) the latest month's allowance outcomes, each with the conditions that held
    and those that did not (the elder's own benefit explanation answers an eligibility question), and
    the voucher balance."""
    elder = get_elder_for(user, elder_id)
    benefits = None
    if may_read_elder_benefits(user):
        benefits = elder_benefits(user, elder.pk, latest_benefit_month(elder.pk))
    return ElderCard(
        elder=elder,
        phone=mask_phone(elder.phone),
        second_phone=mask_phone(elder.second_phone),
        contacts=[
            {
                "name": c.name,
                "relation": c.relation,
                "phone": mask_phone(c.phone),
                "keyholder": c.is_keyholder,
            }
            for c in elder.contacts.all()
        ],
        care_plan=active_plan_for(elder.pk),
        open_orders=list(
            orders_for(user).filter(elder_id=elder.pk, state__in=OPEN_STATES).order_by("window_start")[:10]
        ),
        recent_services=list(
            orders_for(user)
            .filter(elder_id=elder.pk, state__in=SERVED_STATES)
            .select_related("visit")
            .order_by("-window_start")[:5]
        ),
        recent_alarms=list(incidents_for(user).filter(elder_id=elder.pk).order_by("-opened_at")[:5]),
        recent_calls=list(calls_for(user).filter(elder_id=elder.pk)[:5]),
        open_call_backs=list(open_call_backs(user).filter(call__elder_id=elder.pk)),
        benefits=benefits,
        care_call_today=care_calls_for(user).filter(elder_id=elder.pk).first(),
    )


def latest_benefit_month(elder_id: int) -> dt.date:
    """The month of the elder's latest computed allowance result, else this month (a preview)."""
    month = (
        EligibilityResult.objects.filter(elder_id=elder_id)
        .order_by("-run__month")
        .values_list("run__month", flat=True)
        .first()
    )
    return month or timezone.localdate().replace(day=1)


# --- knowledge base ---------------------------------------------------------------------------------


def articles_for(user, *, include_retired: bool = False) -> QuerySet[Article]:
    if not may_read_knowledge(user):
        return Article.objects.none()
    articles = Article.objects.select_related("updated_by")
    return articles if include_retired else articles.filter(state=ArticleState.ACTIVE)


def get_article_for(user, article_id: int) -> Article:
    try:
        return articles_for(user, include_retired=True).get(pk=article_id)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This article does not exist.")) from None


def search_articles(user, q: str, *, limit: int = 10) -> list[Article]:
    """Articles in use whose question, keywords or answer hold ``q``, or whose pinyin initials start with
    it ("gl" finds 高龄津贴)."""
    q = q.strip()
    articles = articles_for(user)
    if not q:
        return list(articles[:limit])
    condition = Q(question__icontains=q) | Q(keywords__icontains=q) | Q(answer__icontains=q)
    if q.isascii() and q.isalpha():
        condition |= Q(initials__contains=q.lower())
    return list(articles.filter(condition)[:limit])


def article_initials(question: str, keywords: str) -> str:
    """The initials the search matches, of the question and of each keyword."""
    words = [question, *keywords.replace("，", " ").replace(",", " ").split()]
    return " ".join(filter(None, (initials(word) for word in words)))[:400]


# --- statistics -------------------------------------------------------------------------------------


def call_statistics(user, *, first: dt.date, last: dt.date) -> list[dict]:
    """Calls per day (Asia/Shanghai) and reason from ``first`` to ``last``: one row per day with a count
    per reason and the total, and the day's average duration in seconds."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (
        calls_for(user)
        .filter(started_at__gte=start, started_at__lt=end)
        .annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day", "reason")
        .annotate(count=Count("id"))
        .order_by()
    )
    days: dict[dt.date, dict] = {}
    for row in rows:
        entry = days.setdefault(
            row["day"], {"day": row["day"], "total": 0, **{r: 0 for r in CallReason.values}}
        )
        entry[row["reason"]] += row["count"]
        entry["total"] += row["count"]
    return [days[day] for day in sorted(days)]


def living_alone_to_call(day: dt.date, *, within: QuerySet[Elder]) -> QuerySet[Elder]:
    """The active elders among ``within`` who live alone and are not yet on the active-care list of
    ``day``."""
    return within.filter(status=Status.ACTIVE, living_arrangement=LivingArrangement.ALONE).exclude(
        pk__in=CareCall.objects.filter(day=day).values("elder_id")
    )
