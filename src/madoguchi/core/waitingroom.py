"""The waiting room (順番待ち・待合室) for an opening rush (issue #14 item 3).

When more booking requests of one city are in flight than its servers serve well
(``WAITING_ROOM_INFLIGHT_THRESHOLD``), a signed-in resident arriving on the room's pages gets a
light page with their place in line instead of the page, and is admitted in arrival order at
``WAITING_ROOM_ADMIT_PER_SECOND``. Admission is a signed token in a cookie, bound to the
account, the city and the room, valid for ``WAITING_ROOM_ADMISSION_MINUTES`` and renewed while
the resident keeps using the pages — so an admitted resident is never sent back, and a token
cannot be made, moved to another account or reused in another city.

It is the rate-limit mechanism's (``core.ratelimit``): counters live in the shared cache
(Redis in production, never process memory) under the same per-city keys, so it works across
app processes and one city's rush never queues another city's residents.

State per (city, room), three cache entries:

- ``inflight``: requests being served now (incremented on entry, decremented on exit);
- ``issued``: the last ticket number handed out (an atomic ``incr``: arrival order);
- ``admitted``: ``(base, since)`` — tickets up to ``base + rate × (now − since)`` are
  admitted (computed, not ticked by a clock process); when everyone waiting is admitted the
  pair is reset to ``(issued, now)`` so that a quiet spell is not banked as admissions.

Visitors who are not signed in cannot book; their reads (the calendars) are public and
cacheable by a reverse proxy, so they are counted in flight but never queued.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from . import ratelimit

COOKIE = "madoguchi_wr_{room}"
SALT = "madoguchi.waitingroom"
TICKET_LIFETIME = 3 * 3600  # a ticket older than this is void (the rush is long over)
STATE_TIMEOUT = 6 * 3600
INFLIGHT_TIMEOUT = 60


@dataclass(frozen=True)
class Room:
    name: str
    prefixes: tuple[str, ...]
    label: str


def rooms() -> list[Room]:
    """``WAITING_ROOMS``: {name: {"prefixes": [...], "label": ...}}; staff pages are never queued."""
    configured = getattr(settings, "WAITING_ROOMS", None) or {
        "reservations": {"prefixes": ["/reservations/", "/api/reservations/"], "label": "施設予約"},
    }
    return [Room(name, tuple(spec["prefixes"]), spec.get("label", name)) for name, spec in configured.items()]


def room_for(path: str) -> Room | None:
    if "/staff/" in path or path.startswith("/api/reservations/staff"):
        return None
    for room in rooms():
        if path.startswith(room.prefixes):
            return room
    return None


def threshold() -> int:
    """In-flight requests per city and room above which arrivals queue; 0 = no waiting room."""
    return int(getattr(settings, "WAITING_ROOM_INFLIGHT_THRESHOLD", 0) or 0)


def admit_per_second() -> float:
    return float(getattr(settings, "WAITING_ROOM_ADMIT_PER_SECOND", 20) or 20)


def admission_seconds() -> int:
    return int(getattr(settings, "WAITING_ROOM_ADMISSION_MINUTES", 10) or 10) * 60


# --- shared counters (per city: ratelimit._key carries the active city) -------------------------
def _keys(room: str) -> tuple[str, str, str]:
    base = ratelimit._key("waiting-room", room)
    return base + ":inflight", base + ":issued", base + ":admitted"


def _incr(key: str, delta: int = 1) -> int:
    cache.add(key, 0, timeout=STATE_TIMEOUT)
    try:
        return cache.incr(key, delta)
    except ValueError:  # expired between add and incr
        cache.set(key, max(delta, 0), timeout=STATE_TIMEOUT)
        return max(delta, 0)


@contextmanager
def in_flight(room: str):
    key = _keys(room)[0]
    _incr(key)
    # A process killed mid-request never decrements: the count lapses after a quiet minute
    # rather than keeping the room shut for good.
    cache.touch(key, INFLIGHT_TIMEOUT)
    try:
        yield
    finally:
        _incr(key, -1)


def inflight(room: str) -> int:
    return int(cache.get(_keys(room)[0]) or 0)


def admitted_upto(room: str, now: float | None = None) -> int:
    """The highest admitted ticket number."""
    now = time.time() if now is None else now
    _inflight, issued_key, admitted_key = _keys(room)
    values = cache.get_many([issued_key, admitted_key])
    issued = int(values.get(issued_key) or 0)
    stored = values.get(admitted_key)
    base, since = stored or (issued, now)
    upto = min(issued, base + int(admit_per_second() * max(0.0, now - since)))
    if stored is None or (upto >= issued and (base, since) != (issued, now)):
        # Nobody waits: restart the clock, so that the next rush starts from zero admissions.
        cache.set(admitted_key, (issued, now), timeout=STATE_TIMEOUT)
    return upto


def waiting(room: str, now: float | None = None) -> int:
    """How many are in line now (issued but not admitted)."""
    issued = int(cache.get(_keys(room)[1]) or 0)
    return max(0, issued - admitted_upto(room, now))


def take_ticket(room: str, now: float | None = None) -> int:
    admitted_upto(room, now)  # restarts the clock if the line was empty
    return _incr(_keys(room)[1])


# --- the signed cookie ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Pass:
    kind: str  # "admitted" | "ticket"
    number: int  # the ticket number (0 for an admission given without waiting)
    issued_at: float


def _subject(request, room: str) -> str:
    from . import tenancy

    return f"{tenancy.current_id() or 0}:{room}:{request.user.pk}"


def read_pass(request, room: str) -> Pass | None:
    raw = request.COOKIES.get(COOKIE.format(room=room))
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=SALT, max_age=TICKET_LIFETIME)
    except signing.BadSignature:
        return None
    if value.get("s") != _subject(request, room):
        return None  # another account's or another city's pass
    found = Pass(value.get("k", ""), int(value.get("n", 0)), float(value.get("t", 0)))
    if found.kind == "admitted" and time.time() - found.issued_at > admission_seconds():
        return None  # expired: a new arrival
    return found if found.kind in ("admitted", "ticket") else None


def write_pass(response, request, room: str, kind: str, number: int) -> None:
    value = signing.dumps({"s": _subject(request, room), "k": kind, "n": number, "t": time.time()}, salt=SALT)
    response.set_cookie(
        COOKIE.format(room=room),
        value,
        max_age=admission_seconds() if kind == "admitted" else TICKET_LIFETIME,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


# --- the decision --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    admit: bool
    renew: str = ""  # write a pass of this kind ("admitted" / "ticket"), "" = leave the cookie
    number: int = 0
    position: int = 0  # place in line (1 = next)


def decide(request, room: Room, now: float | None = None) -> Decision:
    """Admit, or keep in line, one signed-in resident's request."""
    now = time.time() if now is None else now
    current = read_pass(request, room.name)
    if current is not None and current.kind == "admitted":
        # Renewed while in use (after half its life), so a resident in the middle of a booking keeps it.
        stale = now - current.issued_at > admission_seconds() / 2
        return Decision(True, "admitted" if stale else "", current.number)
    if current is not None and current.kind == "ticket":
        upto = admitted_upto(room.name, now)
        if current.number <= upto:
            return Decision(True, "admitted", current.number)
        return Decision(False, "", current.number, current.number - upto)
    if inflight(room.name) < threshold() and waiting(room.name, now) == 0:
        return Decision(True, "admitted", 0)
    number = take_ticket(room.name, now)
    upto = admitted_upto(room.name, now)
    if number <= upto:
        return Decision(True, "admitted", number)
    return Decision(False, "ticket", number, number - upto)


def return_path(request, room: Room) -> str:
    """Where the resident goes when admitted: the page they asked for, or — for a form they
    sent — the page the form was on (a booking is chosen again; nothing was booked)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    if request.method == "GET" and not request.path.startswith("/api/"):
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        from urllib.parse import urlsplit

        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return room.prefixes[0]


def safe_next(request, value: str, room: Room) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    if value and value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return value
    return room.prefixes[0]


def status(request, room_name: str):
    """``/core/waiting-room/<room>/``: the place in line, polled by the waiting page (htmx);
    once admitted it sends the browser back to the page (``HX-Redirect``). Reads the pass only:
    polling never takes a ticket."""
    from django.http import Http404, HttpResponse
    from django.shortcuts import render

    room = next((r for r in rooms() if r.name == room_name), None)
    if room is None:
        raise Http404
    target = safe_next(request, request.GET.get("next", ""), room)
    current = read_pass(request, room.name) if request.user.is_authenticated else None
    if current is None or current.kind == "admitted" or current.number <= admitted_upto(room.name):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    position = current.number - admitted_upto(room.name)
    seconds = estimated_seconds(position)
    response = render(request, "core/_waiting_position.html", {"room": room, "position": position, "minutes": max(1, (seconds + 59) // 60), "next": target})
    response["Cache-Control"] = "no-store"
    return response


def estimated_seconds(position: int) -> int:
    return max(1, int(position / admit_per_second() + 0.999))


def waiting_response(request, room: Room, decision: Decision):
    """503 with the place in line: a page (its status fragment refreshes itself through htmx) or
    JSON for the API, with Retry-After either way."""
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    from .errors import api_detail

    seconds = estimated_seconds(decision.position)
    if request.path.startswith("/api/"):
        message = _("ただいま混み合っているため、順番にご案内しています。あなたの順番は%(position)s番目です。") % {"position": decision.position}
        response = api_detail(message, 503, position=decision.position, retry_after=seconds)
    else:
        response = render(
            request,
            "core/waiting_room.html",
            {
                "room": room,
                "position": decision.position,
                "minutes": max(1, (seconds + 59) // 60),
                "next": return_path(request, room),
                "posted": request.method == "POST",
            },
            status=503,
        )
    response["Retry-After"] = str(min(seconds, 10))
    response["Cache-Control"] = "no-store"
    # Waiting is the mechanism working, not a server error: keep it out of Django's error log
    # (a rush would otherwise write thousands of "Service Unavailable" errors).
    response._has_been_logged = True
    return response


class WaitingRoomMiddleware:
    """After the city and the user are known. Costs nothing unless the waiting room is on
    (``WAITING_ROOM_INFLIGHT_THRESHOLD`` > 0) and the path is one of a room's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        room = room_for(request.path) if threshold() else None
        if room is None or getattr(request, "municipality", None) is None:
            return self.get_response(request)
        user = getattr(request, "user", None)
        decision = decide(request, room) if user is not None and user.is_authenticated else Decision(True)
        if not decision.admit:
            response = waiting_response(request, room, decision)
        else:
            with in_flight(room.name):
                response = self.get_response(request)
        if decision.renew:
            write_pass(response, request, room.name, decision.renew, decision.number)
        return response
