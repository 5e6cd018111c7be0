"""The ``shouwang`` command: our own subcommands plus every Django management command.

``shouwang demo``, ``serve``, ``worker``, ``scheduler``, ``seed-demo``, ``token``, ``backup`` and
``restore`` are management commands of the ``web`` app; hyphens are accepted for underscores
(``seed-demo`` = ``seed_demo``).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shouwang", *argv[1:]])


if __name__ == "__main__":
    main()
