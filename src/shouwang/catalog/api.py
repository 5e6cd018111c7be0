"""The catalogue's JSON API: items with filters, one item with its history, categories, and the editors'
writes (create, change, retire, reactivate). Prices go out in fen and as yuan text; they come in as
either (``guide_price`` in yuan, e.g. "15.50", or ``guide_price_fen``)."""

import datetime as dt
from typing import Annotated

from ninja import Router, Schema, Status

from shouwang.core.pagination import paginate
from shouwang.core.schemas import (
    Code,
    Id,
    MaxText,
    Page,
    PageSize,
    SearchText,
    absent,
    column_range,
    column_text,
)

from .models import ServiceItem, ServiceItemVersion
from .selectors import categories_for, get_item_for, item_history, items_for, parse_active
from .services import create_item, reactivate_item, retire_item, update_item

router = Router(tags=["catalog"])

Minutes = Annotated[int, column_range(ServiceItem, "standard_minutes")] | Annotated[str, MaxText(10)]
# A guide price in yuan, as text ("15.50") or a number; the catalogue service checks its range.
Yuan = Annotated[str, MaxText(20)] | Annotated[int, column_range(ServiceItem, "guide_price_fen")] | float
Fen = Annotated[int, column_range(ServiceItem, "guide_price_fen")]
Position = Annotated[int, column_range(ServiceItem, "position")]
ChangeReason = Annotated[str, column_text(ServiceItemVersion, "reason")]


class ServiceItemOut(Schema):
    id: int
    code: str
    name: str
    category: str
    category_name: str
    unit: str
    unit_name: str
    standard_minutes: int
    required_skill: str
    required_certificate: str
    guide_price_fen: int
    guide_price_yuan: str
    price_text: str
    subsidy_payable: bool
    active: bool
    position: int
    version: int
    updated_at: dt.datetime


class VersionOut(Schema):
    version: int
    action: str
    changed_at: dt.datetime
    changed_by: str
    reason: str
    values: dict
    changes: dict[str, list]

    @staticmethod
    def resolve_changed_by(version) -> str:
        return version.changed_by.get_username() if version.changed_by else "system"


class ItemDetailOut(ServiceItemOut):
    history: list[VersionOut]


class ItemPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ServiceItemOut]


class CategoryOut(Schema):
    code: str
    label: str
    name: str
    active_items: int


class ServiceItemIn(Schema):
    """A new item. Choices take their code or Chinese name (``daily_living`` or 生活照料, ``meal`` or 餐).
    Give the price as ``guide_price`` (yuan, text such as "15.50") or ``guide_price_fen``."""

    code: Annotated[str, column_text(ServiceItem, "code")]
    name: Annotated[str, column_text(ServiceItem, "name")]
    category: Code
    unit: Code
    standard_minutes: Minutes
    required_skill: Annotated[str, column_text(ServiceItem, "required_skill")] = ""
    required_certificate: Code = "none"
    guide_price: Yuan | None = None
    guide_price_fen: Fen | None = None
    subsidy_payable: bool = True
    position: Position | None = None
    reason: ChangeReason = ""


class ItemPatch(Schema):
    """Only the fields sent change. The code cannot change. Only the two prices and the position may be
    sent as null (left as they are)."""

    name: Annotated[str, column_text(ServiceItem, "name")] = absent()
    category: Code = absent()
    unit: Code = absent()
    standard_minutes: Minutes = absent()
    required_skill: Annotated[str, column_text(ServiceItem, "required_skill")] = absent()
    required_certificate: Code = absent()
    guide_price: Yuan | None = None
    guide_price_fen: Fen | None = None
    subsidy_payable: bool = absent()
    position: Position | None = None
    reason: ChangeReason = ""


class CatalogReasonIn(Schema):
    reason: ChangeReason = ""


def _detail(user, item_id: Id):
    item = get_item_for(user, item_id)
    item.history = item_history(user, item_id)
    return item


@router.get("/items", response=ItemPage, summary="Catalogue items, filtered (active ones by default)")
def list_items(
    request,
    q: SearchText = "",
    category: Code = "",
    active: Code = "true",
    page: Page = 1,
    page_size: PageSize = 50,
):
    """``active``: ``true`` (default) for items in use, ``false`` for retired ones, ``all`` for both."""
    items = items_for(request.auth, q=q, category=category, active=parse_active(active))
    return paginate(items, page=page, page_size=page_size)


@router.get("/categories", response=list[CategoryOut], summary="The seven GB/T 43153-2023 categories")
def list_categories(request):
    return categories_for(request.auth)


@router.post("/items", response={201: ItemDetailOut}, summary="Add an item (admins and officials)")
def create(request, payload: ServiceItemIn):
    data = payload.dict(exclude={"reason"})
    item = create_item(actor=request.auth, data=data, reason=payload.reason)
    return Status(201, _detail(request.auth, item.pk))


@router.get("/items/{int:item_id}", response=ItemDetailOut, summary="One item with its change history")
def item_detail(request, item_id: Id):
    return _detail(request.auth, item_id)


@router.patch("/items/{int:item_id}", response=ItemDetailOut, summary="Change an item (admins and officials)")
def patch_item(request, item_id: Id, payload: ItemPatch):
    data = payload.dict(exclude_unset=True, exclude={"reason"})
    update_item(actor=request.auth, item_id=item_id, data=data, reason=payload.reason)
    return _detail(request.auth, item_id)


@router.post("/items/{int:item_id}/retire", response=ItemDetailOut, summary="Retire an item (with a reason)")
def retire(request, item_id: Id, payload: CatalogReasonIn):
    retire_item(actor=request.auth, item_id=item_id, reason=payload.reason)
    return _detail(request.auth, item_id)


@router.post("/items/{int:item_id}/reactivate", response=ItemDetailOut, summary="Put a retired item back")
def reactivate(request, item_id: Id, payload: CatalogReasonIn):
    reactivate_item(actor=request.auth, item_id=item_id, reason=payload.reason)
    return _detail(request.auth, item_id)
