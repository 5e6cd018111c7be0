"""Console pages of the registry: a scoped, masked list, a record, and the audited reveal."""

from django.shortcuts import render
from django.views.decorators.http import require_POST

from shouwang.core.pagination import paginate
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope
from shouwang.web.decorators import console_page

from .models import Status
from .selectors import get_elder_for, search_elders
from .services import reveal_elder


@console_page("elders:list")
def elder_list(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "community", "status")}
    page = paginate(search_elders(request.user, **filters), page=int(request.GET.get("page", 1) or 1))
    communities = regions_in_scope(request.user.scope, level=Level.COMMUNITY)
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return render(
        request,
        "elders/elder_list.html",
        {
            "page": page,
            "filters": filters,
            "communities": communities,
            "statuses": Status.choices,
            "query": query,
        },
    )


@console_page("elders:list")
def elder_detail(request, elder_id: int):
    return render(request, "elders/elder_detail.html", {"elder": get_elder_for(request.user, elder_id)})


@require_POST
@console_page("elders:list")
def elder_reveal(request, elder_id: int):
    """Answers htmx with the unmasked values in place of the masked ones; without htmx, the whole page."""
    revealed = reveal_elder(actor=request.user, elder_id=elder_id, reason=request.POST.get("reason", ""))
    if request.htmx:
        return render(request, "elders/_revealed.html", {"revealed": revealed})
    elder = get_elder_for(request.user, elder_id)
    return render(request, "elders/elder_detail.html", {"elder": elder, "revealed": revealed})
