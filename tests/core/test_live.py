"""core.live: durable server push — publish, replay after an id, scope filtering, the stream's format."""

import datetime as dt
import threading

import pytest
from asgiref.sync import async_to_sync
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import AsyncRequestFactory, RequestFactory
from django.utils import timezone

from shouwang.core import live
from shouwang.core.models import LiveEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Closing a response sends request_finished, which closes a connection inside a transaction; the
    test client disconnects that receiver the same way while it runs a request."""
    request_finished.disconnect(close_old_connections)
    yield
    request_finished.connect(close_old_connections)


def _take(iterator, n):
    return [next(iterator) for _ in range(n)]


def test_publish_stores_the_event_and_events_after_replays_in_order():
    first = live.publish("incidents", {"n": 1})
    live.publish("other", {"n": 2})
    third = live.publish("incidents", {"n": 3})

    assert [e.payload["n"] for e in live.events_after(["incidents"], 0)] == [1, 3]
    assert [e.pk for e in live.events_after(["incidents"], first.pk)] == [third.pk]
    assert live.events_after(["incidents", "other"], 0, limit=2)[-1].payload == {"n": 2}
    assert live.latest_id() == third.pk


def test_frame_is_one_sse_message_with_the_id_and_json_on_one_line():
    event = live.publish("incidents", {"state": "received", "name": "张三"})
    assert live.frame(event) == f'id: {event.pk}\ndata: {{"state":"received","name":"张三"}}\n\n'


def test_publish_wakes_streams_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    before = live.wakeup.generation
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        live.publish("incidents", {"n": 1})
    assert live.wakeup.generation == before
    for callback in callbacks:
        callback()
    assert live.wakeup.generation == before + 1


def test_stream_replays_after_last_event_id_and_filters_by_scope():
    old = live.publish("incidents", {"community_code": "A", "n": 1})
    live.publish("incidents", {"community_code": "B", "n": 2})
    live.publish("incidents", {"community_code": "A", "n": 3})
    request = RequestFactory().get("/stream", headers={"Last-Event-ID": str(old.pk)})

    response = live.sse_response(
        request, channels=["incidents"], visible=lambda p: p["community_code"] == "A"
    )
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["X-Accel-Buffering"] == "no"
    stream = iter(response.streaming_content)
    retry, message = (chunk.decode() for chunk in _take(stream, 2))
    response.close()

    assert retry == f"retry: {live.RETRY_MILLISECONDS}\n\n"
    assert '"n":3' in message and message.startswith("id: ")


def test_stream_after_query_parameter_and_new_stream_starts_at_the_newest():
    first = live.publish("incidents", {"n": 1})
    live.publish("incidents", {"n": 2})

    replay = live.sse_response(
        RequestFactory().get("/stream", {"after": first.pk}), channels=["incidents"], visible=lambda p: True
    )
    assert '"n":2' in _take(iter(replay.streaming_content), 2)[1].decode()
    replay.close()

    fresh = live.sse_response(RequestFactory().get("/stream"), channels=["incidents"], visible=lambda p: True)
    stream = iter(fresh.streaming_content)
    next(stream)  # retry line
    live.publish("incidents", {"n": 3})
    assert '"n":3' in next(stream).decode()
    fresh.close()


def test_stream_sends_a_comment_heartbeat_when_idle(monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.0)
    response = live.sse_response(
        RequestFactory().get("/stream"), channels=["incidents"], visible=lambda p: True
    )
    assert _take(iter(response.streaming_content), 2)[1] == b": heartbeat\n\n"
    response.close()


@pytest.mark.django_db(transaction=True)  # the async stream reads from its own thread's connection
def test_asgi_request_gets_an_async_stream_with_the_same_messages():
    event = live.publish("incidents", {"n": 1})
    live.publish("incidents", {"n": 2})
    request = AsyncRequestFactory().get("/stream", headers={"Last-Event-ID": str(event.pk)})
    response = live.sse_response(request, channels=["incidents"], visible=lambda p: True)
    assert response.is_async

    async def first_two():
        stream = aiter(response.streaming_content)
        chunks = [await anext(stream), await anext(stream)]
        await stream.aclose()
        return chunks

    retry, message = async_to_sync(first_two)()
    assert retry.startswith(b"retry: ")
    assert b'"n":2' in message


def test_wakeup_releases_a_waiting_thread():
    seen = live.wakeup.generation
    woken = []
    waiter = threading.Thread(target=lambda: (live.wakeup.wait(seen, 30), woken.append(True)))
    waiter.start()
    live.wakeup.set()
    waiter.join(30)
    assert woken == [True]


def test_prune_deletes_events_older_than_a_day():
    old = live.publish("incidents", {"n": 1})
    LiveEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    recent = live.publish("incidents", {"n": 2})

    assert live.prune_live_events.call() == 1
    assert list(LiveEvent.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_notifies_other_processes_on_commit():
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL (set DATABASE_URL)")
    import psycopg

    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as listener:
        listener.execute(f"LISTEN {live.NOTIFY_CHANNEL}")
        event = live.publish("incidents", {"n": 1})
        notes = list(listener.notifies(timeout=10, stop_after=1))
    assert [note.payload for note in notes] == [str(event.pk)]


def test_an_event_committed_after_a_later_one_still_reaches_the_stream():
    """Ids are given at insert: a long transaction may commit id n after id n+1 was already streamed."""
    first = live.publish("incidents", {"n": 1})
    cursor = live._Cursor(["incidents"], first.pk - 1, visible=lambda payload: True)
    LiveEvent.objects.create(id=first.pk + 2, channel="incidents", payload={"n": 3})
    frames, _ = cursor.next_frames()
    assert ['"n":1' in frames[0], '"n":3' in frames[1]] == [True, True]

    LiveEvent.objects.create(id=first.pk + 1, channel="incidents", payload={"n": 2})  # commits late
    late, _ = cursor.next_frames()
    again, _ = cursor.next_frames()

    assert len(late) == 1 and '"n":2' in late[0] and late[0].startswith(f"id: {first.pk + 1}\n")
    assert again == []  # delivered once
