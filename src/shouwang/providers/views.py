"""Console pages of the provider network: the list, a provider's page with its admission steps,
licences and contracts, and registering an applicant."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.catalog.models import ServiceItem
from shouwang.core.errors import DomainError
from shouwang.core.forms import optional_date, perform
from shouwang.core.pagination import page_number, paginate
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope
from shouwang.web.decorators import console_page

from . import admission, evaluation, prices
from .models import ExitKind, InspectionResult, LicenceKind, ListKind, ProviderKind, ProviderState
from .permissions import may_decide_admission
from .selectors import expiring_licences, get_provider_for, providers_for
from .services import create_provider


def _is_official(user) -> bool:
    return may_decide_admission(user)


@console_page("providers:list")
def provider_list(request):
    state = request.GET.get("state", "")
    providers = providers_for(request.user)
    if state:
        providers = providers.filter(state=state)
    return render(
        request,
        "providers/provider_list.html",
        {
            "page": paginate(providers, page=page_number(request.GET.get("page"))),
            "query": f"state={state}",
            "state": state,
            "states": ProviderState.choices,
            "is_official": _is_official(request.user),
            "expiring": expiring_licences(request.user)[:20],
        },
    )


@console_page("providers:list")
def provider_new(request):
    if not _is_official(request.user):
        return redirect("providers:list")
    values, errors, message = request.POST.dict() if request.method == "POST" else {}, {}, ""
    if request.method == "POST":
        try:
            provider = create_provider(
                actor=request.user,
                name=values.get("name", ""),
                credit_code=values.get("credit_code", ""),
                kind=values.get("kind", ""),
                region_code=values.get("region_code", ""),
                contact_phone=values.get("contact_phone", ""),
                address=values.get("address", ""),
            )
        except DomainError as error:
            errors, message = getattr(error, "errors", None) or {}, error.message
        else:
            messages.success(request, _("%(name)s was registered as an applicant.") % {"name": provider.name})
            return redirect("providers:detail", provider_id=provider.pk)
    return render(
        request,
        "providers/provider_form.html",
        {
            "values": values,
            "errors": errors,
            "error": message,
            "kinds": ProviderKind.choices,
            "regions": _own_regions(request.user),
        },
    )


def _own_regions(user):
    return regions_in_scope(user.scope, level=Level.COUNTY) | regions_in_scope(user.scope, level=Level.STREET)


@console_page("providers:list")
def provider_detail(request, provider_id: int):
    provider = get_provider_for(request.user, provider_id)
    return render(
        request,
        "providers/provider_detail.html",
        {
            "provider": provider,
            "licences": provider.licences.all(),
            "contracts": provider.contracts.prefetch_related("areas"),
            "prices": provider.prices.select_related("item"),
            "scores": provider.scores.all()[:6],
            "inspections": provider.inspections.all()[:10],
            "list_entries": provider.list_entries.all(),
            "inspection_results": InspectionResult.choices,
            "list_kinds": ListKind.choices,
            "may_take_orders": admission.may_take_orders(provider),
            "is_official": _is_official(request.user),
            "licence_kinds": LicenceKind.choices,
            "exit_kinds": ExitKind.choices,
            "communities": regions_in_scope(request.user.scope, level=Level.COMMUNITY),
            "services": _catalogue_services(),
            "today": timezone.localdate(),
        },
    )


def _catalogue_services() -> list[tuple[str, str]]:
    items = ServiceItem.objects.filter(active=True).order_by("category", "code")
    return list(items.values_list("code", "name"))


@require_POST
@console_page("providers:list")
def provider_action(request, provider_id: int, action: str):
    """One admission step from the provider's page; the service decides whether it is allowed."""
    post = request.POST
    steps = {
        "apply": lambda: admission.submit_application(actor=request.user, provider_id=provider_id),
        "review": lambda: admission.start_review(actor=request.user, provider_id=provider_id),
        "admit": lambda: admission.decide_admission(
            actor=request.user, provider_id=provider_id, admit=True, reasons=post.get("reasons", "")
        ),
        "reject": lambda: admission.decide_admission(
            actor=request.user, provider_id=provider_id, admit=False, reasons=post.get("reasons", "")
        ),
        "licence": lambda: admission.add_licence(
            actor=request.user,
            provider_id=provider_id,
            kind=post.get("kind", ""),
            number=post.get("number", ""),
            issued_on=optional_date(post.get("issued_on")),
            expires_on=optional_date(post.get("expires_on")),
        ),
        "contract": lambda: admission.sign_contract(
            actor=request.user,
            provider_id=provider_id,
            number=post.get("number", ""),
            starts_on=optional_date(post.get("starts_on")) or timezone.localdate(),
            ends_on=optional_date(post.get("ends_on")) or timezone.localdate(),
            area_codes=post.getlist("areas"),
            services=post.getlist("services"),
        ),
        "price": lambda: prices.set_price(
            actor=request.user,
            provider_id=provider_id,
            item_code=post.get("item", ""),
            price=post.get("price", ""),
            effective_from=optional_date(post.get("effective_from")),
        ),
        "inspection": lambda: evaluation.record_inspection(
            actor=request.user,
            provider_id=provider_id,
            inspected_on=optional_date(post.get("inspected_on")) or timezone.localdate(),
            result=post.get("result", ""),
            findings=post.get("findings", ""),
            rectify_by=optional_date(post.get("rectify_by")),
        ),
        "list": lambda: evaluation.add_to_list(
            actor=request.user,
            provider_id=provider_id,
            kind=post.get("kind", ""),
            reason=post.get("reason", ""),
            ends_on=optional_date(post.get("ends_on")),
        ),
        "exit": lambda: admission.exit_provider(
            actor=request.user,
            provider_id=provider_id,
            kind=post.get("kind", ""),
            reason=post.get("reason", ""),
        ),
    }
    if action not in steps:
        return redirect("providers:detail", provider_id=provider_id)
    perform(request, steps[action])
    return redirect("providers:detail", provider_id=provider_id)
