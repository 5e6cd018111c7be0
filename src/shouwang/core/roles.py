"""The roles a user may hold (PRODUCT.md, roles table). Below every app, so that accounts (whose users
hold them) and providers (whose staff hold them) both name roles without importing each other. Which
role may do what is in each app's ``permissions.py``; the groups every app shares are in
``core.permissions``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("platform admin")
    OFFICIAL = "official", _("civil-affairs official")
    COMMUNITY_WORKER = "community_worker", _("community worker")
    ASSESSOR = "assessor", _("assessor")
    OPERATOR = "operator", _("call-centre operator")
    PROVIDER_ADMIN = "provider_admin", _("provider admin")
    CAREGIVER = "caregiver", _("caregiver")
    VOLUNTEER = "volunteer", _("volunteer")
    ELDER = "elder", _("elder / family")
    # The account of one registered childcare institution (托育机构): it keeps its own record only.
    CHILDCARE_ADMIN = "childcare_admin", _("childcare institution admin")
