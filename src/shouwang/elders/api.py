import datetime as dt

from ninja import Router, Schema

from shouwang.core.masking import mask_id_number, mask_phone
from shouwang.core.pagination import paginate

from .selectors import get_elder_for, search_elders
from .services import UNSET, reveal_elder, update_elder_contact

router = Router(tags=["elders"])


class ElderOut(Schema):
    """An elder as lists show them: ID number and phone masked."""

    id: int
    name: str
    sex: str
    birth_date: dt.date
    id_number_masked: str
    phone_masked: str
    community_code: str
    community_name: str
    living_arrangement: str
    status: str

    @staticmethod
    def resolve_id_number_masked(elder) -> str:
        return mask_id_number(elder.id_number)

    @staticmethod
    def resolve_phone_masked(elder) -> str:
        return mask_phone(elder.phone)

    @staticmethod
    def resolve_community_code(elder) -> str:
        return elder.community_id

    @staticmethod
    def resolve_community_name(elder) -> str:
        return elder.community.name


class ElderPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ElderOut]


class ElderPatch(Schema):
    phone: str | None = None
    address: str | None = None
    living_arrangement: str | None = None


class RevealIn(Schema):
    reason: str = ""


class ContactRevealed(Schema):
    name: str
    phone: str


class ElderRevealed(Schema):
    id_number: str
    phone: str
    contacts: list[ContactRevealed]


@router.get("", response=ElderPage, summary="Search elders in the caller's scope (masked)")
def list_elders(
    request,
    q: str = "",
    name: str = "",
    community: str = "",
    status: str = "",
    page: int = 1,
    page_size: int = 50,
):
    elders = search_elders(request.auth, q=q, name=name, community=community, status=status)
    return paginate(elders, page=page, page_size=page_size)


@router.get("/{elder_id}", response=ElderOut)
def elder_detail(request, elder_id: int):
    return get_elder_for(request.auth, elder_id)


@router.patch("/{elder_id}", response=ElderOut)
def patch_elder(request, elder_id: int, payload: ElderPatch):
    changes = {key: value for key, value in payload.dict(exclude_unset=True).items() if value is not None}
    return update_elder_contact(
        actor=request.auth,
        elder_id=elder_id,
        phone=changes.get("phone", UNSET),
        address=changes.get("address", UNSET),
        living_arrangement=changes.get("living_arrangement", UNSET),
    )


@router.post("/{elder_id}/reveal", response=ElderRevealed, summary="Unmasked ID number and phones (audited)")
def reveal(request, elder_id: int, payload: RevealIn):
    return reveal_elder(actor=request.auth, elder_id=elder_id, reason=payload.reason)
