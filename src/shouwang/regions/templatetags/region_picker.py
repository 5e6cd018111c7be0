from django import template

from ..models import Level, Region
from ..selectors import ancestors, children_of

register = template.Library()


def picker_levels(value: str) -> list[dict]:
    """One select per level from the top down to the chosen region, plus one for its children."""
    chosen = Region.objects.filter(code=value).select_related("parent").first() if value else None
    levels = []
    parent_code = None
    for region in ancestors(chosen) if chosen else []:
        levels.append(
            {
                "options": list(children_of(parent_code)),
                "selected": region.code,
                "parent_code": parent_code or "",
            }
        )
        parent_code = region.code
    if chosen is None or chosen.level < Level.COMMUNITY:
        options = list(children_of(parent_code))
        if options:
            levels.append({"options": options, "selected": "", "parent_code": parent_code or ""})
    return levels


@register.inclusion_tag("regions/_picker_inner.html")
def region_picker(name: str, value: str = ""):
    return {"picker_name": name, "picker_value": value or "", "levels": picker_levels(value or "")}
