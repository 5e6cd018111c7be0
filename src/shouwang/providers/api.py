from ninja import Router, Schema

from shouwang.core.pagination import paginate

from .selectors import get_provider_for, providers_for

router = Router(tags=["providers"])


class ProviderOut(Schema):
    id: int
    name: str
    credit_code: str
    kind: str
    region_code: str
    contact_phone: str
    address: str

    @staticmethod
    def resolve_region_code(provider) -> str:
        return provider.region_id


class ProviderPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProviderOut]


@router.get("", response=ProviderPage, summary="Providers in the caller's scope")
def list_providers(request, page: int = 1, page_size: int = 50):
    return paginate(providers_for(request.auth), page=page, page_size=page_size)


@router.get("/{provider_id}", response=ProviderOut)
def provider_detail(request, provider_id: int):
    return get_provider_for(request.auth, provider_id)
