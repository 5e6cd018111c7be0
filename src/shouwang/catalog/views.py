"""Console pages of the catalogue: the list grouped by category, an item with its history, and the
editors' forms (add, change, retire, reactivate). Everybody in the navigation reads; admins and officials
write (the services refuse everybody else)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from shouwang.core.errors import DomainError
from shouwang.core.forms import attach_error
from shouwang.web.decorators import console_page

from .forms import ItemForm, RetireForm
from .models import Category, Certificate, ServiceItem, Unit, VersionAction
from .permissions import may_edit_catalog, require_editor
from .prices import fen_to_yuan
from .selectors import get_item_for, grouped_by_category, item_history, items_for, parse_active
from .services import create_item, reactivate_item, retire_item, update_item

ACTIVE_FILTERS = (("true", _lazy("In use")), ("false", _lazy("Retired")), ("all", _lazy("All")))


@console_page("catalog:list")
def item_list(request):
    filters = {
        "q": request.GET.get("q", "").strip(),
        "category": request.GET.get("category", "").strip(),
        "active": request.GET.get("active", "true").strip() or "all",
    }
    items = items_for(
        request.user, q=filters["q"], category=filters["category"], active=parse_active(filters["active"])
    )
    items = list(items)
    return render(
        request,
        "catalog/item_list.html",
        {
            "groups": grouped_by_category(items),
            "count": len(items),
            "filters": filters,
            "categories": Category.choices,
            "active_filters": [(value, str(label)) for value, label in ACTIVE_FILTERS],
            "may_edit": may_edit_catalog(request.user),
        },
    )


@console_page("catalog:list")
def item_detail(request, item_id: int):
    item = get_item_for(request.user, item_id)
    return render(request, "catalog/item_detail.html", _detail_context(request, item))


def _detail_context(request, item, **extra) -> dict:
    history = item_history(request.user, item.pk)
    for version in history:
        version.change_lines = [
            (_label(field), _shown(field, before), _shown(field, after))
            for field, (before, after) in version.changes.items()
        ]
    return {
        "item": item,
        "history": list(reversed(history)),
        "may_edit": may_edit_catalog(request.user),
        "retire_form": extra.pop("retire_form", None) or RetireForm(),
        "created": VersionAction.CREATED,
        **extra,
    }


def _label(field: str) -> str:
    if field == "guide_price_fen":
        return _("Guide price (yuan)")
    return str(ServiceItem._meta.get_field(field).verbose_name)


def _shown(field: str, value) -> str:
    """A stored value as people read it: choices by label, prices in yuan, flags as yes/no."""
    if value is None:
        return "—"
    choices = {"category": Category, "unit": Unit, "required_certificate": Certificate}
    if field in choices:
        labels = dict(choices[field].choices)
        return str(labels.get(value, value))
    if field == "guide_price_fen":
        return fen_to_yuan(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value) if value != "" else "—"


@console_page("catalog:list")
def item_create(request):
    require_editor(request.user)
    form = ItemForm(request.POST or None, initial={"subsidy_payable": True, "required_certificate": "none"})
    if request.method == "POST" and form.is_valid():
        try:
            item = create_item(
                actor=request.user, data=form.service_data(), reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("%(name)s was added to the catalogue.") % {"name": item.name})
            return redirect("catalog:detail", item_id=item.pk)
    return render(request, "catalog/item_form.html", {"form": form})


@console_page("catalog:list")
def item_edit(request, item_id: int):
    require_editor(request.user)
    item = get_item_for(request.user, item_id)
    form = ItemForm(request.POST or None, initial=_initial(item), editing=True)
    if request.method == "POST" and form.is_valid():
        data = {key: value for key, value in form.service_data().items() if key != "code"}
        try:
            update_item(actor=request.user, item_id=item.pk, data=data, reason=form.cleaned_data["reason"])
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": data.get("name") or item.name})
            return redirect("catalog:detail", item_id=item.pk)
    return render(request, "catalog/item_form.html", {"form": form, "item": item})


def _initial(item: ServiceItem) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "unit": item.unit,
        "standard_minutes": item.standard_minutes,
        "guide_price": item.guide_price_yuan,
        "required_certificate": item.required_certificate,
        "required_skill": item.required_skill,
        "subsidy_payable": item.subsidy_payable,
        "position": item.position,
    }


@require_POST
@console_page("catalog:list")
def item_retire(request, item_id: int):
    require_editor(request.user)
    item = get_item_for(request.user, item_id)
    form = RetireForm(request.POST)
    if form.is_valid():
        try:
            retire_item(actor=request.user, item_id=item.pk, reason=form.cleaned_data["reason"])
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("%(name)s was retired.") % {"name": item.name})
            return redirect("catalog:detail", item_id=item.pk)
    context = _detail_context(request, item, retire_form=form)
    return render(request, "catalog/item_detail.html", context, status=422)


@require_POST
@console_page("catalog:list")
def item_reactivate(request, item_id: int):
    require_editor(request.user)
    item = get_item_for(request.user, item_id)
    try:
        reactivate_item(actor=request.user, item_id=item.pk, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s is in use again.") % {"name": item.name})
    return redirect("catalog:detail", item_id=item.pk)
