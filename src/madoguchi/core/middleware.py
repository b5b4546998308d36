"""Keeps the current request reachable (audit log, task context) for the thread serving it."""

from __future__ import annotations

import contextvars

_request: contextvars.ContextVar = contextvars.ContextVar("madoguchi_request", default=None)


def current_request():
    return _request.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        from django.conf import settings

        if settings.TASK_MODE == "embedded":
            # One process serving a demo or a small town: drain the outbox in this process.
            from .tasks import EmbeddedWorker

            EmbeddedWorker.start()

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
