"""抽選の希望枠えらび: choosing ranked wishes among hundreds of frames, step by step.

A month of a big facility has hundreds of frames (rooms × days × frames); three native
selects of 360 options each were unusable on a phone. Here the resident picks a day, then a
frame of that day (grouped by room/court), and adds it as the next wish; the list is kept in
the session until they apply, so it works without JavaScript and one screen at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from madoguchi.core.wording import count

from .models import WEEKDAYS, Lottery
from .models.lotteries import month_label

__all__ = ["Picker", "frame_label", "month_label"]


def session_key(lottery: Lottery) -> str:
    return f"reservations.lottery_wishes:{lottery.pk}"


def _parse(key: str) -> tuple[int, dt.date, str] | None:
    try:
        unit_id, day, start = key.split("/")
        return int(unit_id), dt.date.fromisoformat(day), start
    except ValueError:
        return None


def day_label(day: dt.date) -> str:
    return f"{day.month}月{day.day}日({WEEKDAYS[day.weekday()]})"


def frame_label(key: str, units: dict[int, str]) -> str:
    """「メインアリーナ 2月3日(水) 9:00〜」 for the frame key ``unit/date/start``."""
    parsed = _parse(key)
    if parsed is None:
        return key
    unit_id, day, start = parsed
    hour, minute = start.split(":")[:2]
    return f"{units.get(unit_id, '')} {day_label(day)} {int(hour)}:{minute}〜".strip()


@dataclass
class Wish:
    rank: int
    key: str
    label: str


class Picker:
    """The frames of an open lottery and the resident's wishes being chosen (in the session)."""

    def __init__(self, lottery: Lottery, session, frames: list[str]):
        self.lottery = lottery
        self.session = session
        self.frames = frames
        self.frame_set = set(frames)
        self.units = {u.pk: u.name for u in lottery.facility.units.all()}

    # --- the wishes being chosen ----------------------------------------------------------
    @property
    def keys(self) -> list[str]:
        stored = self.session.get(session_key(self.lottery), [])
        return [k for k in stored if k in self.frame_set][: self.lottery.max_wishes]

    def _store(self, keys: list[str]) -> None:
        self.session[session_key(self.lottery)] = keys

    @property
    def wishes(self) -> list[Wish]:
        return [Wish(rank, key, frame_label(key, self.units)) for rank, key in enumerate(self.keys, start=1)]

    @property
    def full(self) -> bool:
        return len(self.keys) >= self.lottery.max_wishes

    def add(self, key: str) -> str | None:
        """Add ``key`` as the next wish; a message when it cannot be added."""
        keys = self.keys
        if key not in self.frame_set:
            return "時間枠を一覧から選んでください。"
        if key in keys:
            return "その時間枠はもう選んでいます。別の時間枠を選んでください。"
        if len(keys) >= self.lottery.max_wishes:
            return f"希望は{count(self.lottery.max_wishes)}までです。入れ替えるときは、どれかを外してから選んでください。"
        self._store([*keys, key])
        return None

    def remove(self, index: int) -> None:
        keys = self.keys
        if 0 <= index < len(keys):
            del keys[index]
            self._store(keys)

    def move_up(self, index: int) -> None:
        keys = self.keys
        if 0 < index < len(keys):
            keys[index - 1], keys[index] = keys[index], keys[index - 1]
            self._store(keys)

    def clear(self) -> None:
        self.session.pop(session_key(self.lottery), None)

    # --- step 1: days, step 2: that day's frames ------------------------------------------
    def days(self, selected: dt.date | None) -> list[dict]:
        counts: dict[dt.date, int] = {}
        for key in self.frames:
            parsed = _parse(key)
            if parsed and key not in self.keys:
                counts[parsed[1]] = counts.get(parsed[1], 0) + 1
        return [
            {"date": d, "iso": d.isoformat(), "label": day_label(d), "short": f"{d.day}({WEEKDAYS[d.weekday()]})", "count": n, "selected": d == selected}
            for d, n in sorted(counts.items())
        ]

    def day_groups(self, day: dt.date | None) -> list[dict]:
        """The frames of ``day`` not yet chosen, one group per room/court."""
        if day is None:
            return []
        chosen = set(self.keys)
        groups: dict[int, list[dict]] = {}
        for key in self.frames:
            parsed = _parse(key)
            if parsed is None or parsed[1] != day or key in chosen:
                continue
            unit_id, _day, start = parsed
            hour, minute = start.split(":")[:2]
            groups.setdefault(unit_id, []).append({"key": key, "label": f"{int(hour)}:{minute}〜", "id": "frame-" + key.replace("/", "-").replace(":", "")})
        return [{"unit": self.units.get(uid, ""), "frames": frames} for uid, frames in groups.items()]

    def parse_day(self, value: str) -> dt.date | None:
        try:
            day = dt.date.fromisoformat(value or "")
        except ValueError:
            return None
        return day if any((p := _parse(k)) and p[1] == day for k in self.frames) else None
