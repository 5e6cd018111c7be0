from django.core.management.base import BaseCommand, CommandError

from shouwang.accounts.models import ApiToken, User
from shouwang.accounts.services import create_api_token, revoke_api_token
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import NotFound


class Command(BaseCommand):
    help = (
        "Manage API tokens: `token create --username U [--name N]` prints a new bearer token once; "
        "`token list --username U`; `token revoke --id ID`."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("--username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--id", type=int)

    def handle(self, *args, action, username, name, id, **options):
        if action == "revoke":
            if id is None:
                raise CommandError("token revoke needs --id")
            try:
                revoke_api_token(actor=SYSTEM, token_id=id)
            except NotFound as error:
                raise CommandError(error.message) from None
            self.stdout.write(f"revoked token {id}")
            return
        user = User.objects.filter(username=username or "", is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        if action == "create":
            _, raw = create_api_token(actor=SYSTEM, user=user, name=name)
            self.stdout.write(raw)
            return
        for token in ApiToken.objects.filter(user=user).order_by("id"):
            state = "revoked" if token.revoked_at else f"last used {token.last_used_at or 'never'}"
            self.stdout.write(f"{token.pk}\t{token.name}\t{token.key_prefix}…\t{state}")
