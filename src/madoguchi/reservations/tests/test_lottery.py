import datetime as dt
import random

import pytest
from django.utils import timezone

from madoguchi.reservations import lottery as L
from madoguchi.reservations import services
from madoguchi.reservations.models import Booking, Fee, Lottery, Unit, frame_key
from madoguchi.reservations.services import BookingError


def test_draw_is_deterministic_and_order_independent():
    apps = [(f"a{i}", [f"f{i % 7}", f"f{(i + 3) % 7}", f"f{(i + 5) % 7}"]) for i in range(40)]
    frames = [f"f{i}" for i in range(7)]
    w1 = L.draw("seed", apps, frames)
    shuffled = apps[:]
    random.Random(1).shuffle(shuffled)
    assert L.draw("seed", shuffled, list(reversed(frames))) == w1
    assert len(w1) == 7 and len(set(w1.values())) == 7  # max_wins=1
    assert L.draw("other", apps, frames) != w1


def test_first_wishes_beat_second_wishes():
    # b's first wish is uncontested: b always gets it, whatever the seed.
    apps = [("a", ["x", "y"]), ("b", ["y"]), ("c", ["x"])]
    for s in range(50):
        w = L.draw(f"s{s}", apps, ["x", "y"])
        assert w["y"] == "b"


def test_fairness_chi_square():
    """Each of k applicants for one frame wins with probability 1/k (chi-square, 2000 fixed seeds)."""
    k, runs = 5, 2000
    apps = [(f"applicant-{i}", ["F"]) for i in range(k)]
    wins = dict.fromkeys((a for a, _ in apps), 0)
    for s in range(runs):
        wins[L.draw(f"seed-{s}", apps, ["F"])["F"]] += 1
    expected = runs / k
    chi2 = sum((w - expected) ** 2 / expected for w in wins.values())
    assert chi2 < 18.47  # df=4, p=0.001


def test_fairness_with_second_wishes():
    """Two frames, three applicants wanting both in different orders: each wins something with
    the same probability (2/3) over many seeds."""
    apps = [("a", ["x", "y"]), ("b", ["y", "x"]), ("c", ["x", "y"])]
    runs = 3000
    won = dict.fromkeys("abc", 0)
    for s in range(runs):
        for who in L.draw(f"s{s}", apps, ["x", "y"]).values():
            won[who] += 1
    # b always gets y (its first choice uncontested) — the rule favours first choices
    assert won["b"] == runs
    expected = runs / 2
    chi2 = sum((won[x] - expected) ** 2 / expected for x in "ac")
    assert chi2 < 10.83  # df=1, p=0.001


def test_seed_commitment_and_digest():
    secret = "abc"
    assert L.commitment(secret) == L.commitment("abc") != L.commitment("abd")
    d1 = L.inputs_digest([("1", ["f"])], ["f", "g"])
    assert d1 == L.inputs_digest([("1", ["f"])], ["g", "f"])
    assert L.derive_seed(secret, d1) != L.derive_seed(secret, L.inputs_digest([("2", ["f"])], ["f", "g"]))


@pytest.fixture
def lottery(facility, unit, now):
    return Lottery.objects.create(
        facility=facility,
        month=dt.date(2027, 7, 1),
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=5),
        draw_at=now + dt.timedelta(days=6),
        max_wishes=3,
    )


def test_lottery_flow(lottery, unit, make_user, now, run_tasks, mailoutbox):
    assert lottery.seed_commitment == L.commitment(lottery.secret_seed)
    users = [make_user(f"u{i}@example.jp") for i in range(4)]
    day = dt.date(2027, 7, 7)
    with pytest.raises(BookingError) as e:
        services.book(users[0], services.HoldRequest(unit, day, dt.time(9)), now=now)
    assert e.value.rule == "lottery"
    for u in users:
        services.apply_lottery(lottery, u, [(unit, day, dt.time(9)), (unit, day, dt.time(13))], now=now)
    with pytest.raises(BookingError) as e:
        services.apply_lottery(lottery, users[0], [(unit, day, dt.time(9))], now=now)
    assert e.value.rule == "lottery_duplicate"
    with pytest.raises(BookingError):
        services.apply_lottery(lottery, make_user("late@example.jp"), [(unit, day, dt.time(9))], now=now + dt.timedelta(days=5))
    assert services.draw_due_lotteries(now=now) == 0
    drawn_at = now + dt.timedelta(days=6)
    assert services.draw_due_lotteries(now=drawn_at) == 1
    lottery.refresh_from_db()
    assert lottery.status == Lottery.Status.DRAWN and lottery.draw_seed
    # anyone can re-run the published inputs and get the same winners
    apps, frames = services.lottery_inputs(lottery)
    assert L.derive_seed(lottery.secret_seed, L.inputs_digest(apps, frames)) == lottery.draw_seed
    assert L.draw(lottery.draw_seed, apps, frames) == lottery.result["winners"]
    won = Booking.objects.filter(status=Booking.Status.WON)
    assert won.count() == 2 and {frame_key(b.unit_id, b.date, b.start) for b in won} == set(lottery.result["winners"])
    assert services.run_lottery(lottery, now=drawn_at).result == lottery.result  # idempotent
    first = won.first()
    services.confirm(first, now=drawn_at)
    # the other winner is reminded once as the deadline nears (dedupe: the same email once)
    assert services.remind_unconfirmed(now=drawn_at + dt.timedelta(days=6)) == 1
    services.remind_unconfirmed(now=drawn_at + dt.timedelta(days=6, hours=1))
    assert services.release_unconfirmed(now=drawn_at + dt.timedelta(days=8)) == 1
    # the released frame opens first-come
    loser = next(u for u in users if not Booking.objects.filter(user=u, status=Booking.Status.CONFIRMED).exists())
    released = Booking.objects.get(status=Booking.Status.RELEASED)
    b = services.book(loser, services.HoldRequest(unit, released.date, released.start), now=drawn_at + dt.timedelta(days=8))
    assert b.status == Booking.Status.CONFIRMED
    run_tasks()
    assert any("抽選結果" in m.subject for m in mailoutbox)
    assert sum("本予約の期限が近づいています" in m.subject for m in mailoutbox) == 1


def test_free_frames_open_first_come_after_draw(lottery, unit, facility, make_user, now):
    """空き予約: after the draw the lottery month's remaining frames open at once, even beyond
    the usual booking window; before the draw they are refused naming the lottery."""
    facility.booking_window_days = 10
    facility.save()
    day = dt.date(2027, 7, 28)  # 57 days ahead of NOW: outside the 10-day window
    with pytest.raises(BookingError) as e:
        services.book(make_user("a@example.jp"), services.HoldRequest(unit, day, dt.time(9)), now=now)
    assert e.value.rule in ("window", "lottery")
    services.run_lottery(lottery, now=now + dt.timedelta(days=6))
    b = services.book(make_user("b@example.jp"), services.HoldRequest(unit, day, dt.time(9)), now=now + dt.timedelta(days=6))
    assert b.status == Booking.Status.CONFIRMED
    states = {f["state"] for d in services.availability(unit, 2027, 7, now=now + dt.timedelta(days=6)) for f in d["frames"]}
    assert "free" in states and "lottery" not in states


def test_verify_page_command_and_cli(lottery, unit, make_user, now, client, tmp_path, capsys):
    """Anyone can re-run a drawn lottery: on the public page, with manage.py, or with plain
    Python on the downloaded inputs file; a tampered file is caught."""
    import json
    import subprocess
    import sys

    from django.core.management import CommandError, call_command

    day = dt.date(2027, 7, 7)
    for i in range(5):
        services.apply_lottery(lottery, make_user(f"v{i}@example.jp"), [(unit, day, dt.time(9)), (unit, day, dt.time(13))], now=now)
    services.run_lottery(lottery, now=now + dt.timedelta(days=6))
    page = client.get(f"/reservations/lotteries/{lottery.pk}/verify/")
    assert page.status_code == 200 and "すべての確認項目が一致しました" in page.content.decode()
    call_command("verify_lottery", lottery=lottery.pk)
    assert "再現できました" in capsys.readouterr().out
    data = json.loads(client.get(f"/reservations/lotteries/{lottery.pk}/inputs.json").content)
    assert "@" not in json.dumps(data)  # applicants by number only
    good = tmp_path / "inputs.json"
    good.write_text(json.dumps(data), encoding="utf-8")
    call_command("verify_lottery", str(good))
    cli = subprocess.run([sys.executable, "-m", "madoguchi.reservations.lottery", str(good)], capture_output=True, text=True)
    assert cli.returncode == 0 and cli.stdout.count("OK") == 4, cli.stdout + cli.stderr
    key = next(iter(data["winners"]))
    data["winners"][key] = "999999"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("verify_lottery", str(bad))
    assert L.verify({"frames": []})[0][1] is False  # malformed input: a message, not a crash
    assert client.get(f"/reservations/lotteries/{lottery.pk}/").status_code == 200


def test_verify_page_only_after_draw(lottery, client):
    assert client.get(f"/reservations/lotteries/{lottery.pk}/verify/").status_code == 404


def test_frames_booked_before_the_draw_are_left_out(lottery, unit, make_user, now):
    """A frame the city booked before the draw (e.g. its own event) is not drawn, and the
    published inputs still reproduce the result afterwards."""
    day = dt.date(2027, 7, 7)
    Booking.objects.create(unit=unit, date=day, start=dt.time(9), end=dt.time(12), user=make_user("city@example.jp"), status="confirmed", source="staff")
    for i in range(3):
        services.apply_lottery(lottery, make_user(f"w{i}@example.jp"), [(unit, day, dt.time(13)), (unit, day, dt.time(18))], now=now)
    with pytest.raises(BookingError):
        services.apply_lottery(lottery, make_user("x@example.jp"), [(unit, day, dt.time(9))], now=now)
    lot = services.run_lottery(lottery, now=now + dt.timedelta(days=6))
    assert frame_key(unit.pk, day, dt.time(9)) not in lot.result["frame_keys"]
    assert all(ok for _, ok, _ in L.verify(services.lottery_published_inputs(lot)))


def test_withdraw_and_apply_again(lottery, unit, make_user, now, client):
    user = make_user("again@example.jp")
    day = dt.date(2027, 7, 7)
    services.apply_lottery(lottery, user, [(unit, day, dt.time(9))], now=now)
    services.withdraw_lottery_application(lottery, user, now=now)
    services.apply_lottery(lottery, user, [(unit, day, dt.time(13))], now=now)
    with pytest.raises(BookingError) as e:
        services.withdraw_lottery_application(lottery, user, now=now + dt.timedelta(days=5))
    assert e.value.rule == "lottery_window"
    client.force_login(user)
    r = client.get(f"/reservations/lotteries/{lottery.pk}/")
    assert "申込を取り消す" in r.content.decode()


def test_application_form_keeps_choices_on_error(lottery, unit, make_user, client):
    """Legacy form fields (wish1…) still work; the wishes chosen step by step stay on an error."""
    client.force_login(make_user("form@example.jp"))
    url = f"/reservations/lotteries/{lottery.pk}/"
    html = client.get(url).content.decode()
    assert "抽選日から7日以内に本予約" in html and "14日以内（利用日のほうが早いときは前日まで）" in html  # the rules, before applying
    first = frame_key(unit.pk, dt.date(2027, 7, 7), dt.time(9))
    r = client.post(url, {"wish1": first, "wish2": "not/a/frame"})
    assert "希望の時間枠を一覧から選んでください。" in r.content.decode()
    assert client.post(url, {"action": "add", "frame": first, "day": "2027-07-07"}).status_code == 302
    r = client.post(url, {"action": "apply"})  # outside the application period (the clock is not moved)
    assert r.status_code == 400 and "大ホール 7月7日(水) 9:00〜" in r.content.decode()  # the chosen wish is not lost


def test_unpaid_wins_are_released_after_the_pay_deadline(lottery, unit, facility, make_user, now, run_tasks, mailoutbox, client):
    """Winners confirm (本予約) and pay by a deadline or the frame is released (抽選): paid and
    free wins stay, an unpaid win is reminded once, then released with a notice; a pending 減免
    holds the deadline, and a late decision gives time to pay."""
    facility.lottery_pay_days = 10
    facility.save()
    day = dt.date(2027, 7, 7)
    frames = [dt.time(9), dt.time(13), dt.time(18)]
    users = [make_user(f"p{i}@example.jp") for i in range(3)]
    for u, t in zip(users, frames, strict=True):
        services.apply_lottery(lottery, u, [(unit, day, t)], now=now)
    drawn_at = now + dt.timedelta(days=6)
    services.run_lottery(lottery, now=drawn_at)
    won = {b.user_id: b for b in Booking.objects.filter(status=Booking.Status.WON)}
    assert len(won) == 3 and all(b.pay_deadline == drawn_at + dt.timedelta(days=10) for b in won.values())
    payer, late, exempt = (won[u.pk] for u in users)
    client.force_login(users[1])
    html = client.get(f"/reservations/bookings/{late.code}/").content.decode()
    assert "までに本予約をしてください" in html and "までに施設の窓口でお支払いください。過ぎると当選は取り消されます" in html
    for b in (payer, late):
        services.confirm(b, now=drawn_at)
    services.confirm(exempt, exemption_reason="障害者団体の活動", now=drawn_at)
    services.mark_paid(payer)
    html = client.get("/reservations/my/").content.decode()
    assert "支払期限" in html and (drawn_at + dt.timedelta(days=10)).strftime("%-m月%-d日") in html
    # two days before: one reminder to the unpaid winner (not to the payer, not while 減免 is pending)
    assert services.remind_unconfirmed(now=drawn_at + dt.timedelta(days=8, hours=1)) == 1
    services.remind_unconfirmed(now=drawn_at + dt.timedelta(days=8, hours=2))
    after = drawn_at + dt.timedelta(days=10, minutes=1)
    assert services.release_unconfirmed(now=after) == 1
    assert services.release_unconfirmed(now=after) == 0
    states = {b.user_id: b.status for b in Booking.objects.filter(pk__in=[payer.pk, late.pk, exempt.pk])}
    assert states == {users[0].pk: "confirmed", users[1].pk: "released", users[2].pk: "confirmed"}
    with pytest.raises(BookingError):
        services.mark_paid(Booking.objects.get(pk=late.pk))  # too late: the frame is gone
    # the released frame is open first-come at once
    assert services.book(make_user("next@example.jp"), services.HoldRequest(unit, day, late.start), now=after).status == Booking.Status.CONFIRMED
    # 減免 rejected after the deadline: three days from the decision to pay
    b = services.decide_exemption(Booking.objects.get(pk=exempt.pk), False, now=after)
    assert b.pay_deadline == after + services.PAY_GRACE
    assert services.release_unconfirmed(now=after + dt.timedelta(days=1)) == 0
    assert services.release_unconfirmed(now=after + dt.timedelta(days=3, minutes=1)) == 1
    run_tasks()
    subjects = [m.subject for m in mailoutbox]
    assert sum("使用料の支払いの期限が近づいています" in s for s in subjects) == 1
    assert sum("当選枠の取消" in s for s in subjects) == 2
    body = next(m.body for m in mailoutbox if "当選枠の取消" in m.subject and m.to == [users[1].email])
    assert "使用料の支払期限を過ぎたため" in body


def test_pay_deadline_is_before_the_day_and_free_wins_have_none(lottery, unit, facility, make_user, now):
    facility.lottery_pay_days = 60  # longer than the time left before the day of use
    facility.save()
    Fee.objects.filter(unit=unit).delete()
    free_unit = unit
    paid_unit = Unit.objects.create(facility=facility, name="小ホール", capacity=50)
    Fee.objects.create(unit=paid_unit, category="resident", amount=1000)
    day = dt.date(2027, 7, 7)
    services.apply_lottery(lottery, make_user("f@example.jp"), [(free_unit, day, dt.time(9))], now=now)
    services.apply_lottery(lottery, make_user("g@example.jp"), [(paid_unit, day, dt.time(9))], now=now)
    services.run_lottery(lottery, now=now + dt.timedelta(days=6))
    free, paid = (Booking.objects.get(unit=u) for u in (free_unit, paid_unit))
    assert free.pay_deadline is None and free.payment == Booking.Payment.NOT_REQUIRED
    assert paid.pay_deadline == timezone.make_aware(dt.datetime(2027, 7, 7))
