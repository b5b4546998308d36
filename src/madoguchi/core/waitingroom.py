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

Arrival order is the order requests reached the front proxy, not the order app threads got
round to them: behind ``TRUSTED_PROXY_HOPS`` proxies the ``X-Request-Start`` header they set
(deploy/nginx/madoguchi-locations.conf) dates each arrival. gunicorn's workers each queue the
connections they accepted, so numbering tickets as requests were handled lost the order
(Kendall tau 0.47 in the rush benchmark).

State per (city, room), in the shared cache:

- ``inflight``: requests being served now (incremented on entry, decremented on exit);
- ``slot:<n>``: arrivals dated in the ``SLOT_SECONDS`` slot ``n`` (an atomic ``incr``; its answer
  is the ticket's place within the slot), and ``block:<b>``: the same summed over the
  ``BLOCK_SLOTS`` slots of block ``b``. A ticket is ``(slot, index)``, and its *rank* is the
  number of tickets dated before it, plus one (the blocks before its block, the slots of its
  block before its slot, its index): an arrival handled late but dated early ranks ahead of
  those who came after it;
- ``line``: ``(frozen, frozen_rank, base, clock)``. Arrivals are dated at most
  ``ARRIVAL_WINDOW`` back, so blocks before ``frozen`` can gain no more; ``frozen_rank`` counts
  their tickets, and a decision reads the open blocks in one MGET (and, to rank a ticket, the
  earlier slots of its block in another). Ranks up to
  ``base + rate × (now − clock)`` are admitted (computed, not ticked by a clock process); when
  everyone who has arrived is admitted, ``base``/``clock`` restart at now, so that a quiet spell
  is not banked as admissions.

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


SLOT_SECONDS = 0.2
# Slots are summed in blocks of BLOCK_SLOTS (2 s): the line's length is read over the window's
# blocks (16 keys), a ticket's place within its block over at most 9 slots. Reading every 0.2 s
# slot of the window (150–450 keys, each key hashed and validated by the cache API) cost more CPU
# than the rest of a waiting answer (bench: 17 ms a decision under the profiler).
BLOCK_SLOTS = 10
# How far before its handling an arrival may be dated (the proxy's X-Request-Start): longer than
# a request waits in the servers' backlogs, short enough that a decision reads few keys.
ARRIVAL_WINDOW = 30


def _slot(moment: float) -> int:
    return int(moment // SLOT_SECONDS)


def _prefix(room: str) -> str:
    return _keys(room)[1]


@dataclass
class Line:
    """The line of one room as of ``now`` (see the module's docstring)."""

    frozen: int  # the first open block: blocks before it can gain no ticket
    frozen_rank: int  # tickets in the frozen blocks
    counts: dict[int, int]  # arrivals of each open block
    admitted: int  # ranks up to this are admitted
    total: int  # tickets handed out
    prefix: str = ""  # the room's counter keys (per city)

    @property
    def empty(self) -> bool:
        return self.admitted >= self.total

    def rank(self, ticket: Ticket) -> int:
        block = ticket.slot // BLOCK_SLOTS
        if block < self.frozen:  # its place was settled while it was open (kept in the pass)
            return min(ticket.rank or self.frozen_rank, self.frozen_rank)
        before = self.frozen_rank + sum(n for b, n in self.counts.items() if b < block)
        earlier = [f"{self.prefix}:slot:{n}" for n in range(block * BLOCK_SLOTS, ticket.slot)]
        if earlier:  # the slots of its own block dated before it
            before += sum(int(v or 0) for v in cache.get_many(earlier).values())
        return before + ticket.index


def line(room: str, now: float | None = None) -> Line:
    """Reads the line (one GET, one MGET), moves the frozen edge, restarts the clock when nobody
    waits, and stores it (one SET)."""
    now = time.time() if now is None else now
    _, prefix, key = _keys(room)
    here, edge = _slot(now) // BLOCK_SLOTS, _slot(now - ARRIVAL_WINDOW) // BLOCK_SLOTS
    frozen, frozen_rank, base, clock = cache.get(key) or (edge, 0, 0, now)
    frozen = min(frozen, edge)  # (a fresh line starts at the edge)
    window = here - edge + 1
    if here - frozen < 3 * window:
        open_blocks = list(range(frozen, here + 1))
    else:
        # Decided last long ago: every ticket since was followed by a decision that stored the
        # line, so only the blocks open then (and those open now) can hold uncounted tickets.
        open_blocks = [*range(frozen, frozen + 2 * window), *range(edge, here + 1)]
    names = {f"{prefix}:block:{n}": n for n in open_blocks}
    counts = dict.fromkeys(open_blocks, 0)
    for name, value in cache.get_many(list(names)).items():
        counts[names[name]] = int(value or 0)
    frozen_rank += sum(n for block, n in counts.items() if block < edge)
    counts = {block: n for block, n in counts.items() if block >= edge}
    total = frozen_rank + sum(counts.values())
    admitted = base + int(admit_per_second() * max(0.0, now - clock))
    if admitted >= total:
        # Nobody waits: restart the clock, so that the next rush starts from zero admissions.
        base, clock, admitted = total, now, total
    cache.set(key, (edge, frozen_rank, base, clock), timeout=STATE_TIMEOUT)
    return Line(edge, frozen_rank, counts, admitted, total, prefix)


def waiting(room: str, now: float | None = None) -> int:
    """How many are in line now (handed a ticket, not admitted)."""
    current = line(room, now)
    return max(0, current.total - current.admitted)


def take_ticket(room: str, arrived: float) -> tuple[int, int]:
    """A ticket for an arrival dated ``arrived``: its slot and its place within the slot (the
    slot's count, then its block's: a line read between the two counts it a moment later)."""
    slot, prefix = _slot(arrived), _prefix(room)
    index = _incr(f"{prefix}:slot:{slot}")
    _incr(f"{prefix}:block:{slot // BLOCK_SLOTS}")
    return slot, index


def arrival_time(request, now: float | None = None) -> float:
    """When the request reached the front proxy (``X-Request-Start: t=<seconds, ms or µs>``,
    trusted only behind ``TRUSTED_PROXY_HOPS`` proxies, which overwrite it), else now. An
    unreadable date, or one outside the last ``ARRIVAL_WINDOW`` seconds (a wrong clock), is
    now: it never jumps a line."""
    now = time.time() if now is None else now
    raw = request.META.get("HTTP_X_REQUEST_START", "") if getattr(settings, "TRUSTED_PROXY_HOPS", 0) else ""
    try:
        value = float(raw.strip().removeprefix("t="))
    except ValueError:
        return now
    while value > 1e11:  # milliseconds or microseconds since the epoch
        value /= 1000
    return value if now - ARRIVAL_WINDOW + 2 * SLOT_SECONDS <= value <= now else now


# --- the signed cookie ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Ticket:
    """A place in line: the arrival slot, the place within it, and the rank last computed for it
    (kept so that it still counts once its slot is frozen). All 0 for an admission given
    without waiting."""

    slot: int = 0
    index: int = 0
    rank: int = 0


@dataclass(frozen=True)
class Pass:
    kind: str  # "admitted" | "ticket"
    ticket: Ticket
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
        ticket = Ticket(int(value.get("sl", 0)), int(value.get("ix", 0)), int(value.get("n", 0)))
    except (signing.BadSignature, TypeError, ValueError, AttributeError):
        return None
    if value.get("s") != _subject(request, room):
        return None  # another account's or another city's pass
    found = Pass(value.get("k", ""), ticket, float(value.get("t", 0)))
    if found.kind == "admitted" and time.time() - found.issued_at > admission_seconds():
        return None  # expired: a new arrival
    return found if found.kind in ("admitted", "ticket") else None


def write_pass(response, request, room: str, kind: str, ticket: Ticket) -> None:
    value = {"s": _subject(request, room), "k": kind, "sl": ticket.slot, "ix": ticket.index, "n": ticket.rank, "t": time.time()}
    response.set_cookie(
        COOKIE.format(room=room),
        signing.dumps(value, salt=SALT),
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
    ticket: Ticket = Ticket()
    position: int = 0  # place in line (1 = next)


def decide(request, room: Room, now: float | None = None) -> Decision:
    """Admit, or keep in line, one signed-in resident's request."""
    now = time.time() if now is None else now
    current = read_pass(request, room.name)
    if current is not None and current.kind == "admitted":
        # Renewed while in use (after half its life), so a resident in the middle of a booking keeps it.
        stale = now - current.issued_at > admission_seconds() / 2
        return Decision(True, "admitted" if stale else "", current.ticket)
    if current is not None and current.kind == "ticket":
        return _place(line(room.name, now), current.ticket)
    # Read the line before the ticket, always: an empty line restarts its clock here, so the
    # time since the last rush is not spent admitting this one.
    if line(room.name, now).empty and inflight(room.name) < threshold():
        return Decision(True, "admitted")
    slot, index = take_ticket(room.name, arrival_time(request, now))
    return _place(line(room.name, now), Ticket(slot, index))


def _place(current: Line, ticket: Ticket) -> Decision:
    rank = current.rank(ticket)
    ticket = Ticket(ticket.slot, ticket.index, rank)
    if rank <= current.admitted:
        return Decision(True, "admitted", ticket)
    # The pass is rewritten with the rank while waiting, so that it counts once its slot freezes.
    return Decision(False, "ticket", ticket, rank - current.admitted)


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
    decision = None if current is None or current.kind == "admitted" else _place(line(room.name), current.ticket)
    if decision is None or decision.admit:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    response = render(request, "core/_waiting_position.html", _place_context(room, decision.position, target))
    write_pass(response, request, room.name, "ticket", decision.ticket)
    response["Cache-Control"] = "no-store"
    return response


def estimated_seconds(position: int) -> int:
    return max(1, int(position / admit_per_second() + 0.999))


def _place_context(room: Room, position: int, next_path: str) -> dict:
    """What the waiting page and its refreshed fragment show: the place, the wait in minutes,
    where admission leads, and when the page asks again."""
    minutes = max(1, (estimated_seconds(position) + 59) // 60)
    return {"room": room, "position": position, "minutes": minutes, "next": next_path, "poll": page_poll_seconds(position)}


# A waiter asks again when its turn is due, not on a fixed beat: admission is a computed rate, so
# the place-th next rank is admitted ``position / rate`` seconds from now. Asking on a fixed beat
# made the waiting residents' polls most of the load in a rush (500 waiting, every 2 s: 250
# requests/s through the whole stack, against ~40 admissions/s); asking when due makes them about
# one request per admission. Bounded so that a resident far back still sees the place move, and
# so that a rank pushed back by a late-handled earlier arrival is asked about again soon.
POLL_MIN, POLL_MAX, PAGE_POLL_MAX = 0.5, 30, 15


def retry_seconds(position: int) -> float:
    """When a waiter at ``position`` should ask again (seconds, 0.1 s steps)."""
    return round(min(POLL_MAX, max(POLL_MIN, position / admit_per_second())), 1)


def page_poll_seconds(position: int) -> int:
    """The waiting page's refresh (htmx ``every Ns``): when due, at most PAGE_POLL_MAX s apart."""
    return int(min(PAGE_POLL_MAX, max(2, retry_seconds(position) + 0.999)))


def waiting_response(request, room: Room, decision: Decision):
    """503 with the place in line: a page (its status fragment refreshes itself through htmx) or
    JSON for the API, with Retry-After either way."""
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    from .errors import api_detail

    if request.path.startswith("/api/"):
        message = _("ただいま混み合っているため、順番にご案内しています。あなたの順番は%(position)s番目です。") % {"position": decision.position}
        response = api_detail(message, 503, position=decision.position, retry_after=retry_seconds(decision.position))
    else:
        context = _place_context(room, decision.position, return_path(request, room))
        response = render(request, "core/waiting_room.html", {**context, "posted": request.method == "POST"}, status=503)
    response["Retry-After"] = str(int(retry_seconds(decision.position) + 0.999))  # whole seconds (RFC 9110)
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
            write_pass(response, request, room.name, decision.renew, decision.ticket)
        return response
