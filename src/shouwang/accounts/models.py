"""Users with one role each and the scope that role grants (PRODUCT.md, roles table)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth import models as auth_models
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from shouwang.core.roles import Role
from shouwang.core.scope import Scope
from shouwang.regions.models import prefix_of

from .permissions import OWN_ASSIGNMENT_ROLES, REGION_ROLES

__all__ = ["ApiToken", "Role", "User"]  # Role lives in core.roles; importing it from here still works


class UserManager(auth_models.UserManager["User"]):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """``createsuperuser`` checks the password policy only when it prompts for the password (and then
        offers to skip it); a password from DJANGO_SUPERUSER_PASSWORD was never checked. It is here."""
        if password is not None:
            validate_password(password, self.model(username=username, email=email, **extra_fields))
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    regions = models.ManyToManyField(
        "regions.Region",
        blank=True,
        related_name="+",
        verbose_name=_("regions"),
        help_text=_("The region subtrees (or, for community workers, the communities) this user works in."),
    )
    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("provider"),
    )

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_platform_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def effective_role(self) -> str:
        """The role that decides what pages and actions are open: a superuser counts as a platform admin."""
        return Role.ADMIN if self.is_platform_admin else self.role

    @cached_property
    def scope(self) -> Scope:
        """What this user may see, from the role: region subtrees, a provider, or own assignments."""
        if self.is_platform_admin:
            return Scope(user_id=self.pk, everything=True)
        prefixes: tuple[str, ...] = ()
        if self.role in REGION_ROLES:
            prefixes = tuple(
                sorted({prefix_of(code) for code in self.regions.values_list("code", flat=True)})
            )
        provider_id = self.provider_id if self.role == Role.PROVIDER_ADMIN else None
        return Scope(
            user_id=self.pk,
            region_prefixes=prefixes,
            provider_id=provider_id,
            own=self.role in OWN_ASSIGNMENT_ROLES,
        )


class ApiToken(models.Model):
    """A bearer token for machines. Only a hash is kept; the token is shown once when made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
