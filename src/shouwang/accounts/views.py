"""Console pages for login and for managing user accounts."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shouwang.core.errors import DomainError
from shouwang.core.forms import attach_error
from shouwang.core.pagination import page_number, paginate
from shouwang.core.roles import Role
from shouwang.providers.selectors import providers_for
from shouwang.web.decorators import console_page

from .forms import UserForm
from .permissions import roles_grantable_by
from .selectors import get_user_for, users_for
from .services import UNSET, create_user, set_password, update_user


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@console_page("accounts:user_list")
def user_list(request):
    users = users_for(request.user)
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if query:
        users = users.filter(username__icontains=query) | users.filter(full_name__icontains=query)
    if role:
        users = users.filter(role=role)
    page = paginate(users, page=page_number(request.GET.get("page")))
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "q": query, "role": role, "roles": Role.choices, "query": f"q={query}&role={role}"},
    )


def _form(request, *, editing, data=None, initial=None):
    return UserForm(
        data,
        initial=initial,
        roles=roles_grantable_by(request.user),
        providers=providers_for(request.user),
        editing=editing,
    )


@console_page("accounts:user_list")
def user_create(request):
    form = _form(
        request, editing=False, data=request.POST or None, initial={"region": _default_region(request.user)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = create_user(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                full_name=data["full_name"],
                phone=data["phone"],
                region_codes=[data["region"]] if data["region"] else [],
                provider_id=data["provider"],
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The account %(name)s was created.") % {"name": user.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "editing": False})


def _default_region(actor) -> str:
    first = actor.regions.order_by("code").first()
    return first.code if first else ""


@console_page("accounts:user_list")
def user_edit(request, user_id: int):
    target = get_user_for(request.user, user_id)
    initial = {
        "username": target.username,
        "full_name": target.full_name,
        "role": target.role,
        "phone": target.phone,
        "region": _default_region(target),
        "provider": target.provider_id,
        "is_active": target.is_active,
    }
    form = _form(request, editing=True, data=request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = set(form.changed_data)
        try:
            # One transaction for the whole form: a bad new password leaves the other changes unsaved too.
            with transaction.atomic():
                update_user(
                    actor=request.user,
                    user_id=target.pk,
                    full_name=data["full_name"],
                    phone=data["phone"],
                    role=data["role"] if "role" in changed else UNSET,
                    region_codes=([data["region"]] if data["region"] else [])
                    if "region" in changed
                    else UNSET,
                    provider_id=data["provider"] if "provider" in changed else UNSET,
                    is_active=data["is_active"] if "is_active" in changed else UNSET,
                )
                if data["password"]:
                    set_password(actor=request.user, user_id=target.pk, password=data["password"])
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The account %(name)s was saved.") % {"name": target.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "editing": True, "target": target})
