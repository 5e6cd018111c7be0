from typing import Annotated

from ninja import Router, Schema

from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Id, MaxText, Page, PageSize, RegionCode, absent, column_text

from .models import User
from .selectors import get_user_for, users_for
from .services import UNSET, create_user, update_user

router = Router(tags=["accounts"])
users_router = Router(tags=["accounts"])


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    phone: str
    is_active: bool
    region_codes: list[str]
    provider_id: int | None

    @staticmethod
    def resolve_role_label(user) -> str:
        return str(user.get_role_display()) if user.role else ""

    @staticmethod
    def resolve_region_codes(user) -> list[str]:
        return sorted(region.code for region in user.regions.all())


class ScopeOut(Schema):
    everything: bool
    region_prefixes: list[str]
    provider_id: int | None
    own_assignments: bool


class MeOut(UserOut):
    scope: ScopeOut

    @staticmethod
    def resolve_scope(user) -> dict:
        scope = user.scope
        return {
            "everything": scope.everything,
            "region_prefixes": list(scope.region_prefixes),
            "provider_id": scope.provider_id,
            "own_assignments": scope.own,
        }


class UserIn(Schema):
    username: Annotated[str, column_text(User, "username")]
    password: Annotated[str, MaxText(128)]
    role: Code
    full_name: Annotated[str, column_text(User, "full_name")] = ""
    phone: Annotated[str, column_text(User, "phone")] = ""
    region_codes: list[RegionCode] = []
    provider_id: Id | None = None


class UserPatch(Schema):
    """Only the fields sent change; ``provider_id`` may be sent as null to take the provider away, the
    others may not be null."""

    full_name: Annotated[str, column_text(User, "full_name")] = absent()
    phone: Annotated[str, column_text(User, "phone")] = absent()
    role: Code = absent()
    region_codes: list[RegionCode] = absent()
    provider_id: Id | None = None
    is_active: bool = absent()


class UserPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[UserOut]


@router.get("/me", response=MeOut, summary="The calling user, role and scope")
def me(request):
    return request.auth


@users_router.get("", response=UserPage, summary="Users the caller may see")
def list_users(request, role: Code = "", page: Page = 1, page_size: PageSize = 50):
    users = users_for(request.auth)
    if role:
        users = users.filter(role=role)
    return paginate(users, page=page, page_size=page_size)


@users_router.post("", response={201: UserOut})
def add_user(request, payload: UserIn):
    return 201, create_user(actor=request.auth, **payload.dict())


@users_router.get("/{user_id}", response=UserOut)
def user_detail(request, user_id: Id):
    return get_user_for(request.auth, user_id)


@users_router.patch("/{user_id}", response=UserOut)
def patch_user(request, user_id: Id, payload: UserPatch):
    given = payload.dict(exclude_unset=True)
    changes = {key: given.get(key, UNSET) for key in UserPatch.model_fields}
    return update_user(actor=request.auth, user_id=user_id, **changes)
