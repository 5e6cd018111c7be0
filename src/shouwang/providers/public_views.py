"""Public pages (no login): the list for elders and families of designated providers serving a community,
with services and prices in large type; and a provider's own application for admission."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shouwang.core.errors import DomainError
from shouwang.regions.models import Level, Region

from .admission import apply_online
from .models import ProviderKind
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


def public_apply(request):
    """A provider's own application for admission (准入申请), with a login for its administrator."""
    values, errors, message = (request.POST.dict() if request.method == "POST" else {}), {}, ""
    if request.method == "POST":
        try:
            apply_online(**{key: values.get(key, "") for key in APPLICATION_FIELDS})
        except DomainError as error:
            errors, message = getattr(error, "errors", None) or {}, error.message
        else:
            messages.success(request, _("Your application was received. Log in to add your licences."))
            return redirect("accounts:login")
    return render(
        request,
        "providers/public_apply.html",
        {
            "values": values,
            "errors": errors,
            "error": message,
            "kinds": ProviderKind.choices,
            "regions": Region.objects.filter(level=Level.COUNTY).order_by("code"),
        },
    )


APPLICATION_FIELDS = (
    "name", "credit_code", "kind", "region_code", "contact_name", "contact_phone", "username", "password",
)  # fmt: skip
