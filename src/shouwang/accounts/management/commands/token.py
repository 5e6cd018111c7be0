from django.core.management.base import BaseCommand, CommandError

from shouwang.accounts.models import User
from shouwang.accounts.services import create_api_token


class Command(BaseCommand):
    help = "Manage API tokens. `token create --username U [--name N]` prints a new bearer token once."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create"])
        parser.add_argument("--username", required=True)
        parser.add_argument("--name", default="cli")

    def handle(self, *args, action, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        _, raw = create_api_token(actor=None, user=user, name=name)
        self.stdout.write(raw)
