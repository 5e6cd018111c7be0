"""The public list for elders and families (no login): designated providers serving a community, with
their services and prices, in large type."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from shouwang.regions.models import Level, Region

from .selectors import designated_for_community


@require_GET
def public_providers(request):
    code = request.GET.get("community", "").strip()
    communities = Region.objects.filter(level=Level.COMMUNITY).order_by("code")
    community = communities.filter(code=code).first()
    return render(
        request,
        "providers/public_list.html",
        {
            "communities": communities,
            "community": community,
            "providers": designated_for_community(community.code) if community else [],
        },
    )
