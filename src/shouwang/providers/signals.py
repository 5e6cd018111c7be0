"""Hooks other apps use to react to the provider network, without providers importing them.

``provider_exited`` is sent with ``provider``, ``kind`` (voluntary or forced), ``actor`` and ``contracts``
(the numbers just terminated) inside the exit's transaction. The orders app connects to it to re-dispatch
the provider's open orders and list its regular elders for hand-over.
"""

from django.dispatch import Signal

provider_exited = Signal()
