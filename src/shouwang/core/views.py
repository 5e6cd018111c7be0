"""The audit viewer for officials (their region) and platform admins (everything)."""

from django.shortcuts import render

from shouwang.web.decorators import console_page

from .pagination import page_number, paginate
from .selectors import audit_log_for


@console_page("core:audit")
def audit_list(request):
    filters = {
        key: request.GET.get(key, "").strip() for key in ("action", "object_type", "object_id", "actor")
    }
    page = paginate(audit_log_for(request.user, **filters), page=page_number(request.GET.get("page")))
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return render(request, "core/audit_list.html", {"page": page, "filters": filters, "query": query})
