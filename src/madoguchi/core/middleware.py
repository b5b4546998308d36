"""Keeps the current request reachable (audit log, task context) for the thread serving it, and
refuses URLs carrying NUL characters before any view sees them."""

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
        if "\x00" in request.path or any("\x00" in s for k, vs in request.GET.lists() for s in (k, *vs)):
            # No database stores NUL in text (PostgreSQL refuses it); no honest client sends it.
            from django.http import HttpResponseBadRequest

            return HttpResponseBadRequest("URL に使えない文字（NUL）が含まれています。".encode(), content_type="text/plain; charset=utf-8")
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
