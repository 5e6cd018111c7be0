from ninja import Router, Schema

from shouwang.core.schemas import RegionCode

from .selectors import children_of, get_region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None
    urban_rural_type: str
    full_name: str
    has_children: bool = True

    @staticmethod
    def resolve_parent_code(region) -> str | None:
        return region.parent_id

    @staticmethod
    def resolve_has_children(region) -> bool:
        return region.level < 5


@router.get("", response=list[RegionOut], summary="Children of a region (top level when parent is empty)")
def list_regions(request, parent: RegionCode = ""):
    if parent:
        get_region(parent)  # unknown parent → 404, not an empty list
    return list(children_of(parent))


@router.get("/{code}", response=RegionOut, summary="One region by its 12-digit code")
def region_detail(request, code: RegionCode):
    return get_region(code)
