"""Hooks for whoever shows incidents live (the operator console, the SSE stream).

Both are sent for every change of an incident with ``incident`` (the ``Incident``, as saved) and
``change`` (one of ``CHANGES``):

- ``incident_recorded`` inside the transaction that changed it, for receivers that write in the same
  transaction — the live push, whose message must exist exactly when the change does (a process killed
  between two commits would otherwise lose the message but keep the change);
- ``incident_changed`` after that transaction commits, for receivers with outside effects, so they never
  act on a change that was rolled back.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

incident_recorded = Signal()
incident_changed = Signal()
# Sent inside the ingest transaction with ``events``, the batch's new measurement events (saved, with
# their device and its elder loaded): the health app keeps them as vital signs. A receiver that raises
# refuses the batch, which is then taken message by message (``ingestion.ingest_batch``).
measurements_recorded = Signal()

CHANGES = ("created", "joined", "acknowledged", "step", "escalated", "closed", "contact")


def announce(incident, change: str) -> None:
    """Send ``incident_recorded`` now and ``incident_changed`` once the current transaction commits (at
    once outside one)."""
    assert change in CHANGES, change
    incident_recorded.send(sender=type(incident), incident=incident, change=change)
    transaction.on_commit(
        lambda: incident_changed.send(sender=type(incident), incident=incident, change=change)
    )
