"""One shape for the benefits' state machines — a run's approval (``states``), an anomaly case's review
(``cases``) and a provider statement's answer (``statements``) — in the style of ``orders/states.py``: a
table of moves and one ``advance`` that refuses a move the table does not allow (409,
``illegal_transition``), sets the state (and any fields the move sets), saves, inserts a transition row
(who, when, why) and writes the audit record, inside the caller's transaction with the row locked.

``Transition`` is the abstract model of the three transition tables (each adds its owner, its states and
its text column); ``Machine`` describes one state machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core import audit
from shouwang.core.actors import as_user, name_of
from shouwang.core.errors import Conflict


class Transition(models.Model):
    """One move of a state: who and when (the concrete model adds the owner, the states and the why).
    Only ever inserted."""

    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.from_state}→{self.to_state}"  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Machine:
    """A state machine: its table of moves, the states' labels, the refusal's words (``%(state)s`` and
    ``%(target)s``), its transition model with the owner's field and the text column (``reason`` or
    ``note``, also the audit record's key), and the audit record's region and provider of an object. The
    audit action is the caller's (``f"benefits.run.{to_state}"``), so each code stays readable in its
    source (tests/web/audit_codes.py reads them)."""

    moves: dict[str, frozenset[str]]
    states: type[models.TextChoices]
    refusal: object  # a lazy translation: words in the language of the refusal
    transitions: type[Transition]
    owner: str
    text: str
    where: Callable[[Any], dict]

    def record(self, obj, from_state: str, to_state: str, *, actor, text: str = "") -> Transition:
        """Insert the transition row (``advance`` does; a creation records its first state with it)."""
        # The states are the concrete model's fields (their choices differ), hence passed by name.
        row = {self.owner: obj, self.text: text, "from_state": from_state, "to_state": to_state}
        manager = self.transitions._default_manager
        return manager.create(**row, actor=as_user(actor), actor_name=name_of(actor))

    def advance(self, obj, to_state: str, *, action: str, actor, text: str = "", details=None, fields=None):
        """Move ``obj`` to ``to_state`` (also setting ``fields`` on it) or refuse with 409."""
        if to_state not in self.moves[obj.state]:
            raise Conflict(
                str(self.refusal) % {"state": obj.get_state_display(), "target": self.states(to_state).label},
                code="illegal_transition",
            )
        from_state = obj.state
        obj.state = to_state
        for name, value in (fields or {}).items():
            setattr(obj, name, value)
        obj.save()
        self.record(obj, from_state, to_state, actor=actor, text=text)
        audit.record(
            actor=actor,
            action=action,
            obj=obj,
            before={"state": from_state},
            after={"state": to_state, self.text: text, **(details or {})},
            **self.where(obj),
        )
        return obj
