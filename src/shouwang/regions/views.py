"""Console pages: browse the division tree, and the cascading region picker used in forms."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from shouwang.web.decorators import console_page

from .models import Region
from .selectors import ancestors, children_of, get_region
from .templatetags.region_picker import picker_levels


@console_page("regions:browse")
def browse(request):
    parent_code = request.GET.get("parent", "")
    parent = get_region(parent_code) if parent_code else None
    return render(
        request,
        "regions/browse.html",
        {"parent": parent, "trail": ancestors(parent) if parent else [], "regions": children_of(parent_code)},
    )


@login_required
def picker(request):
    """The picker re-rendered after a choice; choosing "—" on a level goes back to the level above."""
    name = request.GET.get("name", "region")
    code = request.GET.get("code", "")
    if code and not Region.objects.filter(code=code).exists():
        code = ""
    context = {"picker_name": name, "picker_value": code, "levels": picker_levels(code)}
    return render(request, "regions/_picker_inner.html", context)
