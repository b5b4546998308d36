"""Test helpers: an HTTP transport that sends the OIDC client's server-to-server requests
(discovery, JWKS, token, userinfo) into Django's test client instead of a socket, so tests
drive the real Authlib client against the demo OP in-process (faster than live_server)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from django.test import Client


class DjangoClientAdapter(requests.adapters.BaseAdapter):
    def __init__(self):
        super().__init__()
        self.client = Client()
        self.calls: list[tuple[str, str]] = []

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        self.calls.append((request.method, url.path))
        extra = {"HTTP_HOST": url.netloc, "secure": url.scheme == "https"}
        for name, value in request.headers.items():
            if name.lower() not in ("host", "content-type", "content-length"):
                extra["HTTP_" + name.upper().replace("-", "_")] = value
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        response = self.client.generic(request.method, path, data=body, content_type=request.headers.get("Content-Type", ""), **extra)
        out = requests.Response()
        out.status_code = response.status_code
        out._content = response.content
        out.headers.update({k: v for k, v in response.items()})
        out.url = request.url
        out.request = request
        out.encoding = "utf-8"
        return out

    def close(self):
        pass


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def local(url: str) -> str:
    """The path and query of an absolute URL (Django's test client is already on the host)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
