"""Reads of the audit log, scoped like everything else."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditLog
from .scope import scope_of

AUDIT_VIEWER_ROLES = frozenset({"admin", "official"})


def audit_log_for(
    user, *, action: str = "", object_type: str = "", object_id: str = "", actor: str = ""
) -> QuerySet[AuditLog]:
    """Audit records about data in the viewer's region subtree (officials) or everything (admins).

    Other roles read no audit log: it records what colleagues did, which is a supervisor's business.
    """
    if not getattr(user, "is_authenticated", False):
        return AuditLog.objects.none()
    if not (user.is_platform_admin or user.role in AUDIT_VIEWER_ROLES):
        return AuditLog.objects.none()
    records = scope_of(user).filter(AuditLog.objects.all(), region="region_code")
    if action:
        records = records.filter(action__startswith=action)
    if object_type:
        records = records.filter(object_type=object_type)
    if object_id:
        records = records.filter(object_id=object_id)
    if actor:
        records = records.filter(actor_username=actor)
    return records.order_by("-at", "-id")
