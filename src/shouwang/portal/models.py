"""The family portal's own data: the one-time codes that link a family login to an elder. The link itself
is ``elders.models.FamilyLink`` (the one definition of a family's elders, read by every app's selectors)."""

from django.conf import settings
from django.db import models


class LinkCode(models.Model):
    """A 6-digit code sent to the elder's registered phone so a family login may link to that elder; the
    elder passing it on is their consent. Only its hash is kept; it expires and allows a few wrong tries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # None (and no code, no message) when the ID number typed matched no active elder with a phone: kept so
    # that such a request counts against the day's limit and the wait like any other.
    elder = models.ForeignKey("elders.Elder", null=True, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=128, blank=True)
    sent_to = models.CharField(max_length=20, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "elder", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.elder_id}"
