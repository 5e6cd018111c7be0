"""Where the current request came from, so audit records can say so without threading it everywhere."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip: str = ""
    request_id: str = ""
    channel: str = ""  # "web", "api", "cli", "task"


_NO_REQUEST = RequestInfo()
_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "shouwang_request", default=None
)


def current_request_info() -> RequestInfo:
    return _current.get() or _NO_REQUEST


def set_request_info(info: RequestInfo) -> contextvars.Token:
    return _current.set(info)


def reset_request_info(token: contextvars.Token) -> None:
    _current.reset(token)
