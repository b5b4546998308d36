"""まとめて来庁 (one visit, several counters): from a checklist's 来庁の計画, a slot at every
counter its in-person steps need, one after the other on one day, booked together (all or
none) through reservations' own booking rule, with one itinerary (page, email, .ics).

- Stops: each in-person step goes to the first counter among its ``procedure_windows`` that
  takes bookings (a reservations 来庁予約 counter); steps at the same counter make one stop;
  stops keep the checklist's visiting order (step order first, same place together). Steps
  with no bookable counter are listed as 予約なしで立ち寄る.
- Time at a stop: the steps' ``minutes`` (the counter's average service time for a step
  without one). Walking between stops: 0 at the same place, ``walk_floor`` minutes to another
  floor of the same building, ``walk_building`` to another building (``conf``).
- Itineraries of a day: for every free slot of the first counter, each next stop takes the
  earliest free slot starting once the previous stop is done and the walk made, waiting at
  most ``conf.max_wait()`` minutes; a chain that cannot be completed is not offered.
- Booking: reservations' ``book_visit`` for each stop inside ONE transaction (its own locks
  and capacity rule; a slot taken meanwhile raises ``BookingError`` and nothing is kept), its
  per-visit email turned off; the guide sends one itinerary email with the .ics.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from madoguchi.core import notify
from madoguchi.core.links import absolute_url
from madoguchi.reservations import services as reservations
from madoguchi.reservations.models import Counter, Visit

from . import conf, definition
from .models import Guide, VisitPlan, VisitPlanStop

PROCEDURE_MAX = 200  # reservations' Visit.procedure


@dataclass
class Stop:
    """One counter of the visit and the steps done there."""

    counter: Counter
    steps: list  # definition.Step
    minutes: int = 0
    walk: int = 0  # minutes from the previous stop

    @property
    def location(self) -> str:
        return self.counter.location or self.counter.section.location


@dataclass
class Leg:
    stop: Stop
    start: dt.time
    end: dt.time  # when the stop's work is expected to be done (start + minutes)


@dataclass
class Itinerary:
    legs: list

    @property
    def start(self) -> dt.time:
        return self.legs[0].start

    @property
    def end(self) -> dt.time:
        return self.legs[-1].end


@dataclass
class Plan:
    stops: list
    walk_in: list = field(default_factory=list)  # in-person steps no counter books

    @property
    def bookable(self) -> bool:
        return bool(self.stops)

    @property
    def minutes(self) -> int:
        return sum(s.minutes + s.walk for s in self.stops)


_FLOOR = re.compile(r"^(.*?)(地下)?(\d+)階")


def place(location: str) -> tuple[str, str]:
    """(building, floor) of a location such as 「本庁舎1階 2番窓口」 (NFKC: １階 = 1階)."""
    text = unicodedata.normalize("NFKC", location or "").strip()
    m = _FLOOR.match(text)
    if not m:
        return text, ""
    return m.group(1).strip(), (m.group(2) or "") + m.group(3)


def walk_minutes(a: str, b: str) -> int:
    """Minutes to walk from location ``a`` to ``b``: same place 0, another floor of the same
    building ``walk_floor``, else ``walk_building``. A location without a floor (「1階 2番」 reads
    as building "" floor 1) is taken to be in the main building."""
    (ba, fa), (bb, fb) = place(a), place(b)
    if ba == bb and fa == fb:
        return 0
    if ba == bb or not ba or not bb:
        return conf.walk_floor()
    return conf.walk_building()


def _counter_slug(url: str) -> str | None:
    try:
        match = resolve(url.split("?")[0])
    except Resolver404:
        return None
    return match.kwargs.get("slug") if match.view_name == "reservations:counter" else None


def plan(checklist: definition.Checklist) -> Plan:
    """The stops of the checklist's in-person steps (not ticked off), in visiting order."""
    steps = [s for _place, place_steps in checklist.visit for s in place_steps]
    slugs = {s.key: [slug for w in s.windows if w.url and (slug := _counter_slug(w.url))] for s in steps}
    wanted = {slug for found in slugs.values() for slug in found}
    counters = {c.slug: c for c in Counter.objects.filter(slug__in=wanted, is_public=True, kind=Counter.Kind.VISIT).select_related("section")}
    stops: dict[str, Stop] = {}
    walk_in = []
    for step in steps:
        slug = next((s for s in slugs[step.key] if s in counters), None)
        if slug is None:
            walk_in.append(step)
            continue
        stop = stops.setdefault(slug, Stop(counter=counters[slug], steps=[]))
        stop.steps.append(step)
        stop.minutes += step.minutes or stop.counter.service_minutes
    ordered = list(stops.values())
    for previous, stop in zip(ordered, ordered[1:], strict=False):
        stop.walk = walk_minutes(previous.location, stop.location)
    return Plan(stops=ordered, walk_in=walk_in)


def _plus(t: dt.time, minutes: int) -> dt.time:
    return (dt.datetime.combine(dt.date.min, t) + dt.timedelta(minutes=minutes)).time()


def closed_reason(p: Plan, day: dt.date) -> str | None:
    """Why the visit cannot be made on ``day`` (the first counter closed that day, by its reason)."""
    for stop in p.stops:
        reason = reservations.counter_closed_reason(stop.counter, day)
        if reason:
            return f"{stop.counter.name}: {reason}"
    return None


def days(p: Plan, now=None) -> list[dict]:
    """The days a resident may choose: today to the shortest booking window of the counters,
    each with ``closed`` (why not) when some counter takes no bookings."""
    if not p.stops:
        return []
    today = timezone.localtime(now or timezone.now()).date()
    horizon = min(s.counter.booking_window_days for s in p.stops)
    out = []
    for i in range(horizon + 1):
        day = today + dt.timedelta(days=i)
        out.append({"date": day, "closed": closed_reason(p, day)})
    return out


def itineraries(p: Plan, day: dt.date, now=None) -> list[Itinerary]:
    """Every way to make the visit on ``day`` (see the module docstring), earliest first."""
    if not p.stops or closed_reason(p, day):
        return []
    free = [[s for s in reservations.counter_day(stop.counter, day, now=now)["slots"] if s["remaining"] > 0] for stop in p.stops]
    max_wait = conf.max_wait()
    found = []
    for first in free[0]:
        legs = [Leg(p.stops[0], first["start"], _plus(first["start"], p.stops[0].minutes))]
        for stop, slots in zip(p.stops[1:], free[1:], strict=True):
            arrive = _plus(legs[-1].end, stop.walk)
            latest = _plus(arrive, max_wait)
            nxt = next((s for s in slots if arrive <= s["start"] <= latest), None)
            if nxt is None:
                break
            legs.append(Leg(stop, nxt["start"], _plus(nxt["start"], stop.minutes)))
        else:
            found.append(Itinerary(legs))
    return found


def procedure_text(title: str, stop: Stop, number: int, total: int, code: str) -> str:
    """The stop's 「手続き・相談の内容」 in reservations (what its counter list shows staff)."""
    text = f"まとめて来庁 {code}（{number}/{total}か所目）手続きガイド「{title}」: " + "、".join(s.title for s in stop.steps) + "。"
    if len(text) > PROCEDURE_MAX:  # the whole list is in the plan (staff page); the row says where
        text = text[: PROCEDURE_MAX - 1] + "…"
    return text


@dataclass(frozen=True)
class PlanRequest:
    """What the resident chose: the checklist (answers as cleaned), the day, the first slot and
    whether the answers go to the counters."""

    guide: Guide
    checklist: definition.Checklist
    answers: dict
    event_date: dt.date | None
    language: str
    day: dt.date
    start: dt.time
    share: bool


def book(user, req: PlanRequest, now=None) -> VisitPlan:
    """Book every stop of the itinerary starting at ``req.start``, all or none.
    Raises ``reservations.BookingError`` (Japanese message) when it cannot be booked."""
    p = plan(req.checklist)
    if not p.stops:
        raise reservations.BookingError("no_counter", "予約できる窓口がありません。予約なしで直接お越しください。")
    reason = closed_reason(p, req.day)
    if reason:
        raise reservations.BookingError("closed", f"この日は予約できません（{reason}）。別の日を選んでください。")
    chosen = next((i for i in itineraries(p, req.day, now=now) if i.start == req.start), None)
    if chosen is None:
        raise reservations.BookingError(
            "full",
            f"{req.start:%H:%M} から始まる回り方は、いまは空きがありません（ほかの人が予約した可能性があります）。表示されている時間から選び直してください。",
        )
    with transaction.atomic():
        visit_plan = VisitPlan.objects.create(
            user=user,
            guide=req.guide,
            version=req.guide.published,
            date=req.day,
            shared=req.share,
            answers=req.answers if req.share else {},
            event_date=req.event_date if req.share else None,
            language=req.language,
            steps=[s.key for leg in chosen.legs for s in leg.stop.steps],
        )
        total = len(chosen.legs)
        for number, leg in enumerate(chosen.legs, start=1):
            text = procedure_text(req.checklist.title, leg.stop, number, total, visit_plan.code)
            # reservations' rule and locks; a refusal here rolls back the stops booked before it.
            booked = reservations.book_visit(user, leg.stop.counter, req.day, leg.start, procedure=text, now=now, confirm=False)
            VisitPlanStop.objects.create(
                plan=visit_plan,
                visit=booked,
                order=number,
                steps=[s.key for s in leg.stop.steps],
                minutes=leg.stop.minutes,
                walk_minutes=leg.stop.walk,
            )
        # The itinerary's own day-before reminder (``send_reminders``) replaces each counter's:
        # marked now, so reservations' hourly reminder never also sends one per counter.
        Visit.objects.filter(pk__in=visit_plan.stops.values("visit")).update(reminded_at=timezone.now())
        _confirm(visit_plan)
    return visit_plan


# --- the itinerary as residents and staff read it ---------------------------------------------


@dataclass
class ItineraryRow:
    order: int
    visit: Visit
    counter: Counter
    location: str
    start: dt.time
    minutes: int
    walk: int
    steps: list  # definition.Step of this stop (from the plan's guide version)


def rows(visit_plan: VisitPlan) -> list[ItineraryRow]:
    from . import services

    result = services.checklist(visit_plan.version, visit_plan.answers, event_date=visit_plan.event_date, language=visit_plan.language)
    by_key = {s.key: s for s in result.steps}
    out = []
    for stop in visit_plan.stops.select_related("visit__slot__counter__section").order_by("order"):
        counter = stop.visit.slot.counter
        steps = [by_key[k] for k in stop.steps if k in by_key]
        if not visit_plan.shared:  # the answers were not kept: the steps as booked (titles from the version)
            steps = steps or [definition.Step(key=k, title=k) for k in stop.steps]
        out.append(
            ItineraryRow(
                order=stop.order,
                visit=stop.visit,
                counter=counter,
                location=counter.location or counter.section.location,
                start=stop.visit.slot.start,
                minutes=stop.minutes,
                walk=stop.walk_minutes,
                steps=steps,
            )
        )
    return out


def title(visit_plan: VisitPlan) -> str:
    return definition.text((visit_plan.version.definition or {}).get("title"), visit_plan.language)[0]


def bring(itinerary_rows) -> list[str]:
    return list(dict.fromkeys(b for r in itinerary_rows for s in r.steps for b in s.bring if b))


def ics(visit_plan: VisitPlan) -> bytes:
    """One calendar file: an event for every counter of the visit, in order."""
    from madoguchi.core.ics import calendar_file

    name = title(visit_plan)
    events = []
    for row in rows(visit_plan):
        start = timezone.make_aware(dt.datetime.combine(visit_plan.date, row.start))
        events.append(
            {
                "uid": f"visitplan-{visit_plan.code}-{row.order}@madoguchi",
                "summary": f"{row.order}. {row.counter.name}（{name}）",
                "dtstart": start,
                "dtend": start + dt.timedelta(minutes=max(row.minutes, row.counter.slot_minutes)),
                "dtstamp": timezone.now(),
                "location": row.location,
                "description": f"まとめて来庁 {visit_plan.code} / 予約番号 {row.visit.code}\n" + "、".join(s.title for s in row.steps),
            }
        )
    return calendar_file("-//Madoguchi//guide//JA", events)


def ics_attachment(plan_id: int):
    visit_plan = VisitPlan.objects.select_related("version").get(pk=plan_id)
    return (f"visit-{visit_plan.code}.ics", ics(visit_plan), "text/calendar")


def _email_context(visit_plan: VisitPlan) -> dict:
    itinerary_rows = rows(visit_plan)
    return {
        "plan": visit_plan,
        "title": title(visit_plan),
        "rows": itinerary_rows,
        "bring": bring(itinerary_rows),
        "url": absolute_url("guide:plan_detail", visit_plan.code, municipality=visit_plan.municipality),
    }


def _confirm(visit_plan: VisitPlan) -> None:
    if not visit_plan.user.email:
        return
    notify.send_template(
        visit_plan.user.email,
        "guide/email/plan_booked",
        _email_context(visit_plan),
        municipality=visit_plan.municipality,
        dedupe_key=f"guide-plan:{visit_plan.pk}",
        attachments=[{"builder": "madoguchi.guide.itinerary.ics_attachment", "kwargs": {"plan_id": visit_plan.pk}}],
    )


def cancel(visit_plan: VisitPlan, user, now=None) -> VisitPlan:
    """Cancel every counter of the visit (all or none, reservations' own rule per visit)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = VisitPlan.objects.select_for_update().get(pk=visit_plan.pk)
        if locked.user_id != user.pk:
            raise reservations.BookingError("owner", "ご自分の予約だけ取り消せます。")
        if locked.status != VisitPlan.Status.BOOKED:
            raise reservations.BookingError("status", "この予約はすでに取り消されています。")
        for stop in locked.stops.select_related("visit").order_by("order"):
            if stop.visit.status == Visit.Status.BOOKED:
                reservations.cancel_visit(stop.visit, user, now=now)
        locked.status = VisitPlan.Status.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at"])
    return locked


def send_reminders(now=None) -> int:
    """前日のお知らせ: the itinerary of every まとめて来庁 booked for tomorrow, once, through the
    one-user send (``alerts.personal.notify_user``: the channels the resident chose — email, LINE,
    Web Push — else the account's email), queued in the transaction that marks it sent."""
    from madoguchi.alerts.personal import notify_user
    from madoguchi.core import tenancy

    now = timezone.localtime(now or timezone.now())
    tomorrow = now.date() + dt.timedelta(days=1)
    sent = 0
    due = VisitPlan.objects.filter(status=VisitPlan.Status.BOOKED, date=tomorrow, reminded_at__isnull=True)
    for visit_plan in due.select_related("user", "version", "municipality").order_by("id"):
        with tenancy.using(visit_plan.municipality), transaction.atomic():
            if not VisitPlan.objects.select_for_update().filter(pk=visit_plan.pk, reminded_at__isnull=True).exists():
                continue  # another worker got it
            context = _email_context(visit_plan)
            if not any(r.visit.status == Visit.Status.BOOKED for r in context["rows"]):
                continue  # every counter cancelled one by one: nothing to remind of
            notify_user(
                visit_plan.user,
                "guide/email/plan_reminder",
                context,
                url=context["url"],
                dedupe_key=f"guide-plan-reminder:{visit_plan.pk}",
                municipality=visit_plan.municipality,
            )
            VisitPlan.objects.filter(pk=visit_plan.pk).update(reminded_at=now)
        sent += 1
    return sent
