"""Running the platform's processes: the web server, the task worker and the scheduler."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)


def start_worker_thread(stop: threading.Event) -> threading.Thread:
    """A django-tasks database worker in a daemon thread (the embedded default's task runner)."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME, "*"],
        interval=1.0,
        batch=False,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=f"embedded-{get_random_string(12)}",
        excluded_queue_names=[],
    )

    def run() -> None:
        watcher = threading.Thread(
            target=lambda: (stop.wait(), setattr(worker, "running", False)), daemon=True
        )
        watcher.start()
        worker.run()

    thread = threading.Thread(target=run, name="task-worker", daemon=True)
    thread.start()
    return thread


def start_scheduler_thread(stop: threading.Event) -> threading.Thread:
    from shouwang.core.scheduler import run_forever

    thread = threading.Thread(target=run_forever, args=(stop,), name="scheduler", daemon=True)
    thread.start()
    return thread


def start_bridge_thread(stop: threading.Event) -> threading.Thread | None:
    """The MQTT bridge in a daemon thread when the broker at MQTT_URL answers; without a broker the
    platform runs on (alarms then arrive only over HTTP), so this logs why and returns None."""
    import socket

    from shouwang.alarms.bridge import default_client_id, parse_mqtt_url, run_bridge, share_group

    try:
        address = parse_mqtt_url(settings.MQTT_URL)
        socket.create_connection((address.host, address.port), timeout=1.0).close()
    except (OSError, ValueError) as problem:
        logger.warning(
            "No MQTT broker at %s (%s): the MQTT bridge is not started; devices can still post over HTTP.",
            settings.MQTT_URL,
            problem,
        )
        return None

    def run() -> None:
        try:
            run_bridge(stop, client_id=default_client_id())
        except Exception:  # the demo must not die with its bridge
            logger.exception("the MQTT bridge thread stopped")

    thread = threading.Thread(target=run, name="mqtt-bridge", daemon=True)
    thread.start()
    logger.info(
        "MQTT bridge joined %s as %s (group %s)", settings.MQTT_URL, default_client_id(), share_group()
    )
    return thread


def server_options() -> dict:
    """uvicorn's options for the platform, but where it listens.

    X-Forwarded-For and X-Forwarded-Proto are believed only from TRUSTED_PROXIES. uvicorn's own default
    believes them from 127.0.0.1, so anything that reached the port from this host (a user on the
    machine, another service forwarding without rewriting the header) could pick its client address,
    and with it get past the login lockout and into the audit log as someone else's address."""
    trusted = settings.TRUSTED_PROXIES
    return {
        "log_level": "info",
        "lifespan": "off",
        # Open consoles hold server-push streams forever; without a graceful-shutdown limit Ctrl+C would
        # wait for every browser to close its stream.
        "timeout_graceful_shutdown": 2,
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
    }


def serve(*, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    uvicorn.run("shouwang.asgi:application", host=host, port=port, workers=workers, **server_options())
