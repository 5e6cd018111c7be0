"""Password rules Django's own validators lack. settings.AUTH_PASSWORD_VALIDATORS lists them beside
Django's (minimum length, the common-password list, not only digits, not like the user's own names);
every way a password is set goes through that list: the console, the API, a provider's self-registration
and ``createsuperuser`` (see models.UserManager)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MaximumLengthValidator:
    """A bound on length: Argon2 hashes whatever it is given, and a 5,000-character password is an
    accident or an attempt to make the server work, never something a person types."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise DjangoValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                )
                % {"max_length": self.max_length},
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password can’t be longer than %(max_length)d character.",
            "Your password can’t be longer than %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}


class DistinctCharactersValidator:
    """A password of a few characters repeated (ten spaces, ``aaaaaaaaaa``) passes a length check but is
    among the first guessed."""

    def __init__(self, min_distinct: int = 5):
        self.min_distinct = min_distinct

    def validate(self, password: str, user=None) -> None:
        if len(set(password)) < self.min_distinct:
            raise DjangoValidationError(
                _("This password repeats too few characters: use at least %(min_distinct)d different ones.")
                % {"min_distinct": self.min_distinct},
                code="password_too_repetitive",
                params={"min_distinct": self.min_distinct},
            )

    def get_help_text(self) -> str:
        return _("Your password must use at least %(min_distinct)d different characters.") % {
            "min_distinct": self.min_distinct
        }
