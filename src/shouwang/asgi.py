import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
django.setup(set_prefix=False)  # what django.core.asgi.get_asgi_application does

from shouwang.core.uploads import UploadLimitASGIHandler  # noqa: E402 - needs the apps loaded

# Django's handler, keeping no body over the upload limit (see core.uploads).
application = UploadLimitASGIHandler()
