"""Reads of the catalogue. It is city-wide reference data, so there is no region scope: every active,
logged-in user reads all of it; anonymous and inactive users read nothing."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound

from .models import CATEGORY_NAMES, Category, ServiceItem, ServiceItemVersion
from .permissions import may_read_catalog

# The values a version row holds, in display order.
VERSIONED_FIELDS = (
    "code",
    "name",
    "category",
    "unit",
    "standard_minutes",
    "required_skill",
    "required_certificate",
    "guide_price_fen",
    "subsidy_payable",
    "active",
    "position",
)


def catalog_for(user) -> QuerySet[ServiceItem]:
    """Every item, active or retired, when the user may read the catalogue; none otherwise."""
    if not may_read_catalog(user):
        return ServiceItem.objects.none()
    return ServiceItem.objects.all()


def parse_active(value) -> bool | None:
    """A list filter as typed in a query string: "true"/"1"/"yes" → active only, "false"/"0"/"no" →
    retired only, anything else ("all", "") → both."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "active"):
        return True
    if text in ("false", "0", "no", "off", "retired"):
        return False
    return None


def items_for(user, *, q: str = "", category: str = "", active: bool | None = True) -> QuerySet[ServiceItem]:
    """Items the user reads, filtered: ``q`` matches name, code or required skill; ``category`` is a
    category code; ``active`` True (the default) gives items in use, False retired ones, None both."""
    items = catalog_for(user)
    if q := q.strip():
        items = items.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(required_skill__icontains=q))
    if category := category.strip():
        items = items.filter(category=category)
    if active is not None:
        items = items.filter(active=active)
    return items.order_by("position", "code")


def get_item_for(user, item_id: int) -> ServiceItem:
    """One item, retired or not; NotFound when missing or when the user may not read the catalogue."""
    try:
        return catalog_for(user).get(pk=item_id)
    except ServiceItem.DoesNotExist:
        raise NotFound(_("This service item does not exist.")) from None


def get_item_by_code_for(user, code: str) -> ServiceItem:
    """One item by its stable code (what care plans, contracts and orders hold)."""
    try:
        return catalog_for(user).get(code=code)
    except ServiceItem.DoesNotExist:
        raise NotFound(_("This service item does not exist.")) from None


def item_history(user, item_id: int) -> list[ServiceItemVersion]:
    """The item's versions, oldest first. Each carries ``changes``: ``{field: [before, after]}`` against
    the version before it (for the first version, every value with ``before`` None)."""
    item = get_item_for(user, item_id)
    versions = list(item.versions.select_related("changed_by").order_by("version"))
    previous: dict = {}
    for version in versions:
        version.changes = {
            field: [previous.get(field), version.values.get(field)]
            for field in VERSIONED_FIELDS
            if field in version.values and previous.get(field) != version.values.get(field)
        }
        previous = version.values
    return versions


def categories_for(user) -> list[dict]:
    """The seven categories in the standard's order, each with its count of active items."""
    counts = dict(
        catalog_for(user).filter(active=True).order_by().values_list("category").annotate(n=Count("id"))
    )
    return [
        {"code": code, "label": str(label), "name": CATEGORY_NAMES[code], "active_items": counts.get(code, 0)}
        for code, label in Category.choices
    ]


def grouped_by_category(items) -> list[dict]:
    """Items bucketed under their categories, in the standard's order; empty categories left out."""
    buckets: dict[str, list[ServiceItem]] = {code: [] for code in Category.values}
    for item in items:
        buckets.setdefault(item.category, []).append(item)
    return [
        {"code": code, "label": label, "name": CATEGORY_NAMES[code], "items": buckets[code]}
        for code, label in Category.choices
        if buckets[code]
    ]
