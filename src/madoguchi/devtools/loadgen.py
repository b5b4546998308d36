"""Load generation helpers for the benchmarks: a minimal keep-alive HTTP client and CPU per
server role. Benchmarks run the load generator on the same 2-core machine as the servers, so
the client must be cheap and the report must say where the CPU went."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

# Process command-line fragments → the role named in reports.
SERVER_ROLES = {"app (gunicorn)": "gunicorn", "PostgreSQL": "postgres", "task worker": "runworker", "Redis": "redis-server", "nginx": "nginx:"}


def cpu_by_role(roles: dict[str, str] = SERVER_ROLES) -> dict[str, float]:
    """CPU seconds used so far by the processes of each role (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = dict.fromkeys(roles, 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        for role, needle in roles.items():
            if needle in cmd:
                out[role] += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
                break
    return out


def pg_backend_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backend serving Django's connection (from /proc:
    in-process benchmarks run on the same machine as the cluster)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Conn:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, one connection per simulated
    resident. httpx's pool costs the load generator O(connections) CPU per request (at 300
    connections ~20 ms each), which capped earlier runs at ~20 requests/s whatever the app did.

    ``vhost`` (or ``vhost=`` per request) is the host name sent in the ``Host`` header while the
    connection goes to ``host``: a city of a 共同運営 deployment is chosen by its host name
    (``city07.localhost``), which Python does not resolve, so connect to 127.0.0.1 and say it."""

    def __init__(self, host: str, port: int, headers: str = "", vhost: str | None = None):
        self.host, self.port, self.headers, self.vhost = host, port, headers, vhost
        self.reader = self.writer = None
        self.last_etag = ""
        self.last_cookies: dict[str, str] = {}  # Set-Cookie of the last answer (name → value)
        self.last_location = ""  # Location of the last answer (where a redirect points)

    async def get(self, path: str, headers: str = "", vhost: str | None = None) -> tuple[int, bytes]:
        return await self.request("GET", path, b"", headers, vhost)

    async def post(self, path: str, body: bytes, headers: str = "", vhost: str | None = None) -> tuple[int, bytes]:
        return await self.request("POST", path, body, headers, vhost)

    async def request(self, method: str, path: str, body: bytes, headers: str = "", vhost: str | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        length = f"Content-Length: {len(body)}\r\n" if method != "GET" else ""
        head = f"{method} {path} HTTP/1.1\r\nHost: {vhost or self.vhost or self.host}:{self.port}\r\n{length}{self.headers}{headers}\r\n"
        self.writer.write(head.encode() + body)
        try:
            status_line = await self.reader.readuntil(b"\r\n")
            length_in, close, etag, cookies, location, chunked = 0, False, "", {}, "", False
            while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length_in = int(value)
                elif name == "transfer-encoding" and "chunked" in value.lower():
                    chunked = True
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
                elif name == "etag":
                    etag = value.strip()
                elif name == "location":
                    location = value.strip()
                elif name == "set-cookie":
                    cookie_name, _, rest = value.strip().partition("=")
                    cookies[cookie_name] = rest.split(";", 1)[0]
            data = await self._chunks() if chunked else await self.reader.readexactly(length_in)
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise
        if close:
            self.close()
        self.last_etag = etag  # for conditional re-reads (If-None-Match), as a browser keeps it
        self.last_cookies = cookies  # a browser keeps them too (the waiting room's pass)
        self.last_location = location
        return int(status_line.split()[1]), data

    async def _chunks(self) -> bytes:
        """A chunked body (an answer without Content-Length), read as a browser would."""
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";", 1)[0], 16):
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)  # the CRLF after each chunk
        while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers, if any
            pass
        return b"".join(parts)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None
