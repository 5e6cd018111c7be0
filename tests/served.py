"""Requests through the application as `shouwang serve` and `shouwang demo` run it: uvicorn's
configuration (web.runtime.server_options), its handling of proxy headers included. Django's test client
has no web server in front, so it cannot show what the server makes of X-Forwarded-For or -Proto.

The application runs its views in a thread of its own, with its own database connection: tests using this
need `django_db(transaction=True)`."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import uvicorn
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application

from shouwang.web.runtime import server_options


def request(
    method: str, path: str, *, peer: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, str]]:
    """Send one request from the address ``peer``; the response's status and headers."""
    # A new application (what shouwang.asgi builds) for each request: Django's middleware reads its
    # settings when built, and tests change them.
    config = uvicorn.Config(get_asgi_application(), **server_options())
    config.load()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
        "client": (peer, 50123),
        "server": ("127.0.0.1", 8000),
    }

    async def send() -> tuple[int, dict[str, str]]:
        communicator = ApplicationCommunicator(config.loaded_app, scope)
        await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
        start = await communicator.receive_output(timeout=30)
        while (await communicator.receive_output(timeout=30)).get("more_body"):
            pass
        return start["status"], {name.decode().lower(): value.decode() for name, value in start["headers"]}

    # An event loop of its own in a thread of its own: the browser tests' Playwright keeps one running in
    # this thread for the whole session.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, send()).result()
