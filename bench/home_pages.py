"""Home pages of the demo accounts: time and queries per page (run against a loaded demo district).

    SHOUWANG_VAR_DIR=/tmp/var-x uv run shouwang seed-demo --elders 5000
    SHOUWANG_VAR_DIR=/tmp/var-x uv run python bench/home_pages.py

Prints, for each demo account, the page's status, how many SQL queries it issued and how long it took
(best of three). The number of queries must not grow with the number of communities.
"""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from shouwang.accounts.models import User  # noqa: E402
from shouwang.elders.models import Elder  # noqa: E402


def main() -> None:
    print(f"{Elder.objects.count():,} elders")
    for user in User.objects.filter(is_active=True).order_by("username"):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        best = None
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/")
                took = time.perf_counter() - started
            best = took if best is None else min(best, took)
        figures = f"{response.status_code} {len(queries):3} queries {best * 1000:7.1f} ms"
        print(f"{user.username:12} {user.role:17} {figures}")


if __name__ == "__main__":
    main()
