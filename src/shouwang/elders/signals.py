"""Hooks other apps use to react to what happens in the registry, without the registry importing them.

``life_event_recorded`` is sent with ``elder``, ``event`` (a ``models.LifeEvent`` value), ``date`` and
``actor`` when an elder dies, moves out or returns. Apps higher up connect in ``AppConfig.ready()`` to stop
benefits, cancel open orders or unbind devices. It is sent inside the recording transaction: a receiver
that raises undoes the event, so the registry never says "deceased" while services still run.
"""

from django.dispatch import Signal

life_event_recorded = Signal()
