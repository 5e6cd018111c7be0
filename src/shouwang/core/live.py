"""Durable server push (Server-Sent Events) for the live consoles; see docs/decisions/0008-live-push.md.

``publish`` writes a :class:`~shouwang.core.models.LiveEvent` row in the caller's transaction, so a
message exists exactly when the change it reports was committed, and its id is the SSE event id. Open
streams wait on one process-wide wake-up, which is set

- in this process, right after the publishing transaction commits;
- from other processes, on PostgreSQL, by a listener thread (``LISTEN shouwang_live``; ``publish`` sends
  the ``NOTIFY`` inside the transaction, so PostgreSQL delivers it only on commit);
- from other processes, on SQLite, by a poller thread that reads the highest event id every
  ``SHOUWANG_LIVE_POLL_SECONDS`` (25 ms) while at least one stream is open.

A stream re-reads the table after every wake-up, so a lost wake-up only delays a message, and a browser
that reconnects with ``Last-Event-ID`` gets everything it missed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections, connection, transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_tasks import task

from .models import LiveEvent
from .scheduler import every
from .text import is_digits

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "shouwang_live"
HEARTBEAT_SECONDS = 15.0
# A stream re-reads at least this often even without a wake-up, in case a watcher is reconnecting.
LONGEST_WAIT_SECONDS = 5.0
BATCH = 200
# Browsers wait this long before reconnecting a dropped stream.
RETRY_MILLISECONDS = 1000
KEEP = dt.timedelta(days=1)
# How long an id a stream jumped over may still arrive (its transaction still running), and how many
# such ids one jump may leave behind.
GAP_SECONDS = 10.0
MAX_GAP_IDS = 1000


def _poll_seconds() -> float:
    return float(getattr(settings, "SHOUWANG_LIVE_POLL_SECONDS", 0.025))


# --- publishing -----------------------------------------------------------------------------------------
def publish(channel: str, payload: dict) -> LiveEvent:
    """Queue ``payload`` for every open stream of ``channel``; delivered only if the caller's
    transaction commits (outside a transaction: at once)."""
    event = LiveEvent.objects.create(channel=channel, payload=payload)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, str(event.pk)])
    transaction.on_commit(wakeup.set)
    return event


def events_after(channels: Iterable[str], last_id: int, limit: int = BATCH) -> list[LiveEvent]:
    """The events of ``channels`` with an id above ``last_id``, oldest first, at most ``limit``."""
    return list(LiveEvent.objects.filter(channel__in=list(channels), id__gt=last_id).order_by("id")[:limit])


def latest_id() -> int:
    return LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- the process-wide wake-up ---------------------------------------------------------------------------
class WakeUp:
    """A generation counter that sync and async waiters can wait on: ``set`` wakes all of them.

    Waiters remember the generation they saw before reading the table and wait only if nothing was set
    since, so a message committed between the read and the wait is never slept through."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.generation = 0
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.open_streams = 0

    def set(self) -> None:
        with self._condition:
            self.generation += 1
            self._condition.notify_all()
            waiters = list(self._async_waiters)
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)

    def wait(self, seen: int, timeout: float) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self.generation != seen, timeout=timeout)

    async def wait_async(self, seen: int, timeout: float) -> None:
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._condition:
            if self.generation != seen:
                return
            self._async_waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter[1].wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._condition:
                self._async_waiters.discard(waiter)

    def stream_opened(self) -> None:
        with self._condition:
            self.open_streams += 1
            self._condition.notify_all()
        _ensure_watcher()

    def stream_closed(self) -> None:
        with self._condition:
            self.open_streams -= 1

    def wait_for_streams(self, timeout: float) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self.open_streams > 0, timeout=timeout)


wakeup = WakeUp()
_watcher_lock = threading.Lock()
_watcher: threading.Thread | None = None
_watcher_stop = threading.Event()


def _watch_enabled() -> bool:
    """Whether other processes' commits are watched. Not for an in-memory SQLite database (tests): no
    other process can write to it. ``SHOUWANG_LIVE_WATCH=False`` turns it off (in-process only)."""
    if not getattr(settings, "SHOUWANG_LIVE_WATCH", True):
        return False
    return not (connection.vendor == "sqlite" and getattr(connection, "is_in_memory_db")())  # noqa: B009


def _ensure_watcher() -> None:
    """Start the thread that turns other processes' commits into wake-ups (once per process)."""
    global _watcher
    with _watcher_lock:
        if (_watcher is not None and _watcher.is_alive()) or not _watch_enabled():
            return
        _watcher_stop.clear()
        target = _listen_forever if connection.vendor == "postgresql" else _poll_forever
        _watcher = threading.Thread(target=target, args=(_watcher_stop,), name="live-watcher", daemon=True)
        _watcher.start()


def stop_watcher() -> None:
    """Stop the watcher thread and close its connection (tests, before their database is dropped)."""
    global _watcher
    with _watcher_lock:
        thread, _watcher = _watcher, None
    if thread is not None:
        _watcher_stop.set()
        wakeup.set()
        thread.join(timeout=5)


def _listen_forever(stop: threading.Event) -> None:
    """LISTEN on a dedicated autocommit connection while streams are open; reconnect after a failure."""
    import psycopg
    from django.db import connections

    params = connections["default"].get_connection_params()
    while not stop.is_set():
        if wakeup.open_streams <= 0:
            wakeup.wait_for_streams(timeout=1.0)
            continue
        try:
            with psycopg.connect(**params, autocommit=True) as listener:
                listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
                wakeup.set()  # whatever was committed while nobody listened
                while not stop.is_set() and wakeup.open_streams > 0:
                    for _ in listener.notifies(timeout=1.0):
                        wakeup.set()
        except Exception:
            logger.exception("live push: the LISTEN connection failed; retrying in a second")
            stop.wait(1.0)


def _poll_forever(stop: threading.Event) -> None:
    """SQLite has no notifications: read the highest id while streams are open, wake when it moves."""
    seen: int | None = None
    while not stop.is_set():
        if wakeup.open_streams <= 0:
            seen = None
            close_old_connections()
            wakeup.wait_for_streams(timeout=1.0)
            continue
        current: int | None
        try:
            current = latest_id()
        except Exception:
            logger.exception("live push: polling failed")
            current = seen
        if seen is not None and current != seen:
            wakeup.set()
        seen = current
        stop.wait(_poll_seconds())
    from django.db import connections

    connections["default"].close()


# --- the stream -----------------------------------------------------------------------------------------
def frame(event: LiveEvent) -> str:
    """One SSE message: the event id, then the JSON payload on one data line."""
    data = json.dumps(event.payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"id: {event.pk}\ndata: {data}\n\n"


HEARTBEAT = ": heartbeat\n\n"


class _Cursor:
    """The state of one stream: the last id sent, the ids skipped on the way, and when the last line went
    out. Both the sync and the async generator drive it, so they differ only in how they wait.

    Ids are handed out at insert, not at commit: a long transaction (a batch of alarms) can commit id 100
    after a short one committed id 101 and the stream moved past it. So an id jumped over is remembered
    for ``GAP_SECONDS`` and looked up again on every read; an id still missing by then was rolled back
    (or belongs to another channel)."""

    def __init__(self, channels: list[str], last_id: int, visible: Callable[[dict], bool]):
        self.channels = channels
        self.last_id = last_id
        self.visible = visible
        self.last_sent = time.monotonic()
        self.gaps: dict[int, float] = {}  # id jumped over → when

    def next_frames(self) -> tuple[list[str], bool]:
        """Frames for the visible new events (and late ones that filled a gap), and whether more may be
        waiting (a full batch)."""
        now = time.monotonic()
        self.gaps = {pk: since for pk, since in self.gaps.items() if now - since < GAP_SECONDS}
        late = self._late_events()
        events = events_after(self.channels, self.last_id)
        frames = [frame(event) for event in late if self.visible(event.payload)]
        for event in events:
            self._note_gaps(event.pk, now)
            self.last_id = event.pk
            if self.visible(event.payload):
                frames.append(frame(event))
        if frames:
            self.last_sent = now
        return frames, len(events) == BATCH

    def _late_events(self) -> list[LiveEvent]:
        if not self.gaps:
            return []
        found = list(
            LiveEvent.objects.filter(channel__in=self.channels, id__in=list(self.gaps)).order_by("id")
        )
        for event in found:
            del self.gaps[event.pk]
        return found

    def _note_gaps(self, pk: int, now: float) -> None:
        # Only a bounded run of missing ids is remembered: a huge jump is a restarted sequence or another
        # channel's burst, not transactions still in flight.
        for missing in range(max(self.last_id + 1, pk - MAX_GAP_IDS), pk):
            self.gaps.setdefault(missing, now)

    def heartbeat_due(self) -> bool:
        if time.monotonic() - self.last_sent >= HEARTBEAT_SECONDS:
            self.last_sent = time.monotonic()
            return True
        return False

    def wait_seconds(self) -> float:
        until_heartbeat = HEARTBEAT_SECONDS - (time.monotonic() - self.last_sent)
        return max(0.0, min(until_heartbeat, LONGEST_WAIT_SECONDS))


def _sync_stream(cursor: _Cursor) -> Iterator[str]:
    wakeup.stream_opened()
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        while True:
            seen = wakeup.generation
            frames, more = cursor.next_frames()
            yield from frames
            if more:
                continue
            if cursor.heartbeat_due():
                yield HEARTBEAT
            wakeup.wait(seen, cursor.wait_seconds())
    finally:
        wakeup.stream_closed()


async def _async_stream(cursor: _Cursor) -> AsyncIterator[str]:
    next_frames = sync_to_async(cursor.next_frames)
    wakeup.stream_opened()
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        while True:
            seen = wakeup.generation
            frames, more = await next_frames()
            for item in frames:
                yield item
            if more:
                continue
            if cursor.heartbeat_due():
                yield HEARTBEAT
            await wakeup.wait_async(seen, cursor.wait_seconds())
    finally:
        wakeup.stream_closed()


def start_id(request) -> int:
    """Where a stream starts: after ``Last-Event-ID`` (a browser reconnecting) or ``?after=``; a new
    stream without either starts at the newest event, so it shows only what happens from now on."""
    for value in (request.headers.get("Last-Event-ID"), request.GET.get("after")):
        if value and is_digits(value.strip()):
            return int(value)
    return latest_id()


def sse_response(request, *, channels: Iterable[str], visible: Callable[[dict], bool]):
    """A ``text/event-stream`` response replaying from the client's last id, then streaming new events
    of ``channels`` that ``visible(payload)`` lets through. ``visible`` may query the database.

    Django buffers an async iterator under WSGI and a sync one under ASGI, so the iterator matches the
    server: async under uvicorn (the demo and production), sync under WSGI (the tests' live server)."""
    cursor = _Cursor(list(channels), start_id(request), visible)
    stream = _async_stream(cursor) if isinstance(request, ASGIRequest) else _sync_stream(cursor)
    response = StreamingHttpResponse(stream, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"
    return response


# --- housekeeping ---------------------------------------------------------------------------------------
@every(dt.timedelta(hours=1), name="core.prune_live_events")
@task()
def prune_live_events() -> int:
    """Delete push messages older than a day: a console away that long reloads the page instead."""
    deleted, _ = LiveEvent.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
