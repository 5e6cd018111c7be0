"""The provider network's JSON API: organisations, licences, admission, contracts, exit (scoped)."""

import datetime as dt

from ninja import Router, Schema, Status

from shouwang.catalog.prices import fen_to_yuan
from shouwang.core.pagination import paginate

from . import admission, prices
from .selectors import get_provider_for, providers_for
from .services import create_provider

router = Router(tags=["providers"])


class LicenceOut(Schema):
    kind: str
    number: str
    issued_on: dt.date | None
    expires_on: dt.date | None


class ContractOut(Schema):
    number: str
    starts_on: dt.date
    ends_on: dt.date
    state: str
    services: list[str]
    areas: list[str]

    @staticmethod
    def resolve_areas(contract) -> list[str]:
        return [area.code for area in contract.areas.all()]


class ProviderOut(Schema):
    id: int
    name: str
    credit_code: str
    kind: str
    region_code: str
    contact_phone: str
    address: str
    state: str
    may_take_orders: bool

    @staticmethod
    def resolve_region_code(provider) -> str:
        return provider.region_id

    @staticmethod
    def resolve_may_take_orders(provider) -> bool:
        return admission.may_take_orders(provider)


class ProviderDetailOut(ProviderOut):
    legal_representative: str
    contact_name: str
    decision_note: str
    exit_kind: str
    exit_reason: str
    exited_on: dt.date | None
    licences: list[LicenceOut]
    contracts: list[ContractOut]

    @staticmethod
    def resolve_licences(provider) -> list:
        return list(provider.licences.all())

    @staticmethod
    def resolve_contracts(provider) -> list:
        return list(provider.contracts.prefetch_related("areas"))


class ProviderPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProviderOut]


class ProviderIn(Schema):
    name: str
    credit_code: str
    kind: str
    region_code: str
    contact_phone: str = ""
    address: str = ""


class LicenceIn(Schema):
    kind: str
    number: str
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None


class DecisionIn(Schema):
    admit: bool
    reasons: str = ""


class ContractIn(Schema):
    number: str
    starts_on: dt.date
    ends_on: dt.date
    area_codes: list[str]
    services: list[str]


class ExitIn(Schema):
    kind: str
    reason: str


@router.get("", response=ProviderPage, summary="Providers in the caller's scope")
def list_providers(request, state: str = "", page: int = 1, page_size: int = 50):
    providers = providers_for(request.auth)
    if state:
        providers = providers.filter(state=state)
    return paginate(providers.prefetch_related("contracts"), page=page, page_size=page_size)


@router.post("", response={201: ProviderDetailOut}, summary="Register an applicant provider")
def register(request, payload: ProviderIn):
    return Status(201, create_provider(actor=request.auth, **payload.dict()))


@router.get("/{int:provider_id}", response=ProviderDetailOut)
def provider_detail(request, provider_id: int):
    return get_provider_for(request.auth, provider_id)


@router.post("/{int:provider_id}/licences", response={201: LicenceOut}, summary="Record a licence or filing")
def add_licence(request, provider_id: int, payload: LicenceIn):
    return Status(201, admission.add_licence(actor=request.auth, provider_id=provider_id, **payload.dict()))


@router.post("/{int:provider_id}/apply", response=ProviderDetailOut, summary="Apply (again) for admission")
def apply(request, provider_id: int):
    return admission.submit_application(actor=request.auth, provider_id=provider_id)


@router.post("/{int:provider_id}/review", response=ProviderDetailOut, summary="Start the document review")
def review(request, provider_id: int):
    return admission.start_review(actor=request.auth, provider_id=provider_id)


@router.post(
    "/{int:provider_id}/decision", response=ProviderDetailOut, summary="Admit or reject with reasons"
)
def decide(request, provider_id: int, payload: DecisionIn):
    return admission.decide_admission(actor=request.auth, provider_id=provider_id, **payload.dict())


@router.post(
    "/{int:provider_id}/contracts", response={201: ContractOut}, summary="Sign a designated contract"
)
def contract(request, provider_id: int, payload: ContractIn):
    return Status(201, admission.sign_contract(actor=request.auth, provider_id=provider_id, **payload.dict()))


@router.post("/{int:provider_id}/exit", response=ProviderDetailOut, summary="Voluntary or forced exit")
def exit_network(request, provider_id: int, payload: ExitIn):
    return admission.exit_provider(actor=request.auth, provider_id=provider_id, **payload.dict())


class PriceIn(Schema):
    item_code: str
    price: str
    effective_from: dt.date | None = None


class PriceOut(Schema):
    item_code: str
    item_name: str
    price_fen: int
    price_yuan: str
    effective_from: dt.date
    effective_to: dt.date | None

    @staticmethod
    def resolve_item_code(price) -> str:
        return price.item.code

    @staticmethod
    def resolve_item_name(price) -> str:
        return price.item.name

    @staticmethod
    def resolve_price_yuan(price) -> str:
        return fen_to_yuan(price.price_fen)


@router.get(
    "/{int:provider_id}/prices", response=list[PriceOut], summary="The provider's prices and their history"
)
def price_list(request, provider_id: int):
    return list(get_provider_for(request.auth, provider_id).prices.select_related("item"))


@router.post("/{int:provider_id}/prices", response={201: PriceOut}, summary="Set a price from a date on")
def price_set(request, provider_id: int, payload: PriceIn):
    price = prices.set_price(
        actor=request.auth,
        provider_id=provider_id,
        item_code=payload.item_code,
        price=payload.price,
        effective_from=payload.effective_from,
    )
    return Status(201, price)
