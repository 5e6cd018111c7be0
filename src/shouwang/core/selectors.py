"""Reads of the audit log, scoped like everything else."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditLog
from .permissions import may_view_audit_log
from .scope import scope_of


def audit_log_for(
    user, *, action: str = "", object_type: str = "", object_id: str = "", actor: str = ""
) -> QuerySet[AuditLog]:
    """Audit records about data in the viewer's region subtree (officials) or everything (admins).

    Other roles read no audit log: it records what colleagues did, which is a supervisor's business.
    """
    if not may_view_audit_log(user):
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
