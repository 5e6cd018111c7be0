"""Writes of users and API tokens. Officials manage users inside their own region; provider admins
manage the staff accounts of their own organisation; the platform admin manages everyone, and so does the
platform itself when it is named as the actor (``core.actors.SYSTEM``: the public provider application,
the demo loader, commands on the server). A missing actor (``None``) is refused with a TypeError."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from contextlib import contextmanager

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import SYSTEM_USERNAME, is_system, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.roles import Role
from shouwang.core.scope import scope_of
from shouwang.core.sentinels import UNSET
from shouwang.core.text import listed
from shouwang.providers.models import Provider
from shouwang.regions.models import Level, Region

from .models import ApiToken, User
from .permissions import PROVIDER_ROLES, REGION_HOMED_ROLES, roles_grantable_by
from .selectors import get_user_for

AUDITED_FIELDS = ("username", "full_name", "role", "phone", "provider", "is_active")


def _user_snapshot(user: User) -> dict:
    values = audit.snapshot(user, AUDITED_FIELDS)
    values["regions"] = sorted(user.regions.values_list("code", flat=True))
    return values


def _audit_region(user: User) -> str:
    """The region an audit record about a user is filed under, for scoped audit viewing."""
    first = user.regions.order_by("code").values_list("code", flat=True).first()
    if first:
        return first
    return user.provider.region_id if user.provider is not None else ""


def _record(*, actor, action: str, about: User, obj=None, **values) -> None:
    """Audit an action on an account (or on something of it, like a token), filed under its region."""
    audit.record(
        actor=actor,
        action=action,
        obj=obj or about,
        region_code=_audit_region(about),
        provider_id=about.provider_id,
        **values,
    )


def _manages_everyone(actor) -> bool:
    """The platform admin, or the platform itself (named explicitly)."""
    return is_system(actor) or actor.is_platform_admin


def _resolve_regions(codes: Iterable[str]) -> list[Region]:
    codes = sorted({code.strip() for code in codes if code and code.strip()})
    regions = list(Region.objects.filter(code__in=codes))
    missing = set(codes) - {region.code for region in regions}
    if missing:
        raise ValidationFailed(
            _("Unknown region code: %(codes)s") % {"codes": listed(sorted(missing))},
            errors={"regions": _("Unknown region.")},
        )
    return regions


def _check_assignment(*, actor, role: str, regions: list[Region], provider: Provider | None) -> None:
    """Refuse role/region/provider combinations that are inconsistent or outside the actor's reach."""
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), errors={"role": _("Unknown role.")})
    if role in REGION_HOMED_ROLES and not regions:
        raise ValidationFailed(_("This role needs at least one region."), errors={"regions": _("Required.")})
    if role == Role.COMMUNITY_WORKER and any(region.level != Level.COMMUNITY for region in regions):
        raise ValidationFailed(
            _("A community worker is assigned to communities or villages, not larger regions."),
            errors={"regions": _("Choose communities.")},
        )
    if role in PROVIDER_ROLES and provider is None:
        raise ValidationFailed(_("This role belongs to a provider."), errors={"provider": _("Required.")})
    if role not in PROVIDER_ROLES and provider is not None:
        raise ValidationFailed(
            _("Only provider staff belong to a provider."), errors={"provider": _("Leave empty.")}
        )
    require_actor(actor)
    if _manages_everyone(actor):
        return
    scope = scope_of(actor)
    if actor.role == Role.OFFICIAL:
        allowed_role = role in roles_grantable_by(actor)
        in_reach = all(scope.covers_region(region.code) for region in regions) and (
            provider is None or scope.covers_region(provider.region_id)
        )
    elif actor.role == Role.PROVIDER_ADMIN:
        allowed_role = role in roles_grantable_by(actor)
        in_reach = provider is not None and provider.pk == actor.provider_id
    else:
        raise Forbidden(_("Your role cannot manage user accounts."))
    if not allowed_role:
        raise Forbidden(_("You cannot give this role."))
    if not in_reach:
        raise Forbidden(_("You can only manage users inside your own region or organisation."))


def _resolve_provider(provider_id: int | None) -> Provider | None:
    if not provider_id:
        return None
    try:
        return Provider.objects.get(pk=provider_id)
    except Provider.DoesNotExist:
        raise ValidationFailed(_("Unknown provider."), errors={"provider": _("Unknown provider.")}) from None


@contextmanager
def _refused_on(field: str):
    """Django's validation error as a domain error on ``field``, with every reason."""
    try:
        yield
    except DjangoValidationError as error:
        reasons = " ".join(error.messages)
        raise ValidationFailed(reasons, errors={field: reasons}) from None


def _check_username(username: str) -> str:
    """The username as stored (without surrounding spaces), checked by the model field's own validators
    (letters, digits and ``@ . + - _``, at most 150 characters), as ``createsuperuser`` checks it."""
    username = (username or "").strip()
    if not username:
        raise ValidationFailed(_("A username is required."), errors={"username": _("Required.")})
    if username.lower() == SYSTEM_USERNAME:
        # the audit log's name for the platform's own actions; an account so named would pass for it
        raise ValidationFailed(
            _("The username “system” is reserved for the platform itself."),
            errors={"username": _("Reserved; choose another.")},
        )
    with _refused_on("username"):
        User._meta.get_field("username").run_validators(username)
    return username


def _check_password(password: str, user: User) -> None:
    with _refused_on("password"):
        validate_password(password, user)


def create_user(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    phone: str = "",
    region_codes: Iterable[str] = (),
    provider_id: int | None = None,
) -> User:
    """Create an account with a role and its scope; the actor must be able to grant both."""
    require_actor(actor)
    username = _check_username(username)
    if role == Role.ADMIN and not _manages_everyone(actor):
        raise Forbidden(_("Only a platform admin can create another platform admin."))
    regions = _resolve_regions(region_codes)
    provider = _resolve_provider(provider_id)
    _check_assignment(actor=actor, role=role, regions=regions, provider=provider)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The username %(name)s is taken.") % {"name": username}, code="duplicate_username")
    user = User(
        username=username, full_name=full_name.strip(), role=role, phone=phone.strip(), provider=provider
    )
    _check_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        user.regions.set(regions)
        _record(actor=actor, action="accounts.user.create", after=_user_snapshot(user), about=user)
    return user


def update_user(
    *,
    actor,
    user_id: int,
    full_name=UNSET,
    phone=UNSET,
    role=UNSET,
    region_codes=UNSET,
    provider_id=UNSET,
    is_active=UNSET,
) -> User:
    """Change an account the actor can see and manage; only given fields change."""
    require_actor(actor)
    user = get_user_for(actor, user_id)
    if user.pk == actor.pk and (role is not UNSET or is_active is False):
        raise Forbidden(_("You cannot change your own role or deactivate yourself."))
    if user.is_platform_admin and not _manages_everyone(actor):
        raise NotFound(_("This user does not exist or is outside your area."))
    before = _user_snapshot(user)
    new_role = user.role if role is UNSET else role
    regions = list(user.regions.all()) if region_codes is UNSET else _resolve_regions(region_codes)
    provider = user.provider if provider_id is UNSET else _resolve_provider(provider_id)
    # The actor must be able to manage the account both as it is and as it will be.
    _check_assignment(actor=actor, role=user.role, regions=list(user.regions.all()), provider=user.provider)
    _check_assignment(actor=actor, role=new_role, regions=regions, provider=provider)
    if full_name is not UNSET:
        user.full_name = full_name.strip()
    if phone is not UNSET:
        user.phone = phone.strip()
    if is_active is not UNSET:
        user.is_active = bool(is_active)
    user.role, user.provider = new_role, provider
    with transaction.atomic():
        user.save()
        user.regions.set(regions)
        old, new = audit.changed(before, _user_snapshot(user))
        _record(actor=actor, action="accounts.user.update", before=old, after=new, about=user)
    return user


def set_password(*, actor, user_id: int, password: str) -> None:
    """Set a new password for an account the actor manages (or their own)."""
    require_actor(actor)
    user = get_user_for(actor, user_id)
    if actor.pk != user.pk:
        _check_assignment(
            actor=actor, role=user.role, regions=list(user.regions.all()), provider=user.provider
        )
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        _record(actor=actor, action="accounts.user.set_password", about=user)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(*, actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a bearer token for ``user``; returns the token row and the raw token (shown only now)."""
    require_actor(actor)
    if actor.pk != user.pk and not _manages_everyone(actor):
        raise Forbidden(_("Only a platform admin can make tokens for other users."))
    raw = "sw_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name or "token", key_prefix=raw[:10], key_hash=hash_token(raw)
        )
        _record(actor=actor, action="accounts.token.create", obj=token, object_repr=str(token), about=user)
    return token, raw


def revoke_api_token(*, actor, token_id: int) -> ApiToken:
    """Revoke a token of the actor's own, or any token for the platform admin (and the platform)."""
    require_actor(actor)
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None or (token.user_id != actor.pk and not _manages_everyone(actor)):
        raise NotFound(_("This API token does not exist."))
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _record(actor=actor, action="accounts.token.revoke", obj=token, about=token.user)
    return token


def touch_token(raw: str) -> None:
    """Note when a token was last used (for spotting stale machine accounts)."""
    ApiToken.objects.filter(key_hash=hash_token(raw)).update(last_used_at=timezone.now())
