"""Test helpers: a WSGI app served on loopback in a thread, for the local fakes of providers'
HTTP APIs (the SDKs talk real HTTP to it; the real services are never called)."""

from __future__ import annotations

import contextlib
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


class _ThreadingServer(WSGIServer):
    daemon_threads = True


@contextlib.contextmanager
def serve(app):
    """Serve ``app`` on 127.0.0.1 (a free port); yields the base URL ``http://127.0.0.1:<port>``."""
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
