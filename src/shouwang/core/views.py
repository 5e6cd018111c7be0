"""The audit viewer for officials (their region) and platform admins (everything), and the admin's list of
messages the platform could not send."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.web.decorators import console_page

from . import outbox
from .forms import perform
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


@console_page("core:failed_messages")
def failed_message_list(request):
    page = paginate(outbox.failed_messages_for(request.user), page=page_number(request.GET.get("page")))
    return render(request, "core/failed_messages.html", {"page": page})


@require_POST
@console_page("core:failed_messages")
def requeue_message(request, message_id: int):
    perform(
        request,
        lambda: outbox.requeue(actor=request.user, message_id=message_id),
        _("The message is queued again."),
    )
    return redirect("core:failed_messages")
