from django.shortcuts import render

from shouwang.core.pagination import paginate
from shouwang.web.decorators import console_page

from .selectors import providers_for


@console_page("providers:list")
def provider_list(request):
    page = paginate(providers_for(request.user), page=int(request.GET.get("page", 1) or 1))
    return render(request, "providers/provider_list.html", {"page": page, "query": ""})
