from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shouwang.core.forms import ConsoleForm
from shouwang.core.roles import Role


class UserForm(ConsoleForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=60, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    region = forms.CharField(label=_("Region"), max_length=12, required=False)
    provider = forms.TypedChoiceField(label=_("Provider"), coerce=int, required=False, empty_value=None)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, roles, providers, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            (value, label) for value, label in Role.choices if value in roles
        ]
        cast(forms.ChoiceField, self.fields["provider"]).choices = [("", "—")] + [
            (p.pk, p.name) for p in providers
        ]
        rules = password_rules()
        if editing:
            self.fields["username"].disabled = True
            self.fields[
                "password"
            ].help_text = f"{rules} {gettext('Leave empty to keep the current password.')}"
        else:
            self.fields["password"].required = True
            self.fields["password"].help_text = rules
            del self.fields["is_active"]


def password_rules() -> str:
    """The password policy (settings.AUTH_PASSWORD_VALIDATORS) in one sentence for a form."""
    return gettext(
        "%(min)d to %(max)d characters, at least %(distinct)d different ones, not only digits, not a common "
        "password and not like the username."
    ) % {
        "min": settings.PASSWORD_MIN_LENGTH,
        "max": settings.PASSWORD_MAX_LENGTH,
        "distinct": settings.PASSWORD_MIN_DISTINCT_CHARACTERS,
    }
