"""One mechanism for signed links (core.signed_links): a token opens only under its own salt,
says when it stops working without being refused (so a fresh link can be offered), and a session
remembers a bounded number of opened records until their links expire."""

from __future__ import annotations

import time

import time_machine

from madoguchi.core.signed_links import SignedLink

CASE = SignedLink(salt="test.case", session_key="test_case_links", max_remembered=3)
PAY = SignedLink(salt="test.pay", session_key="test_pay_links")


def test_a_token_opens_under_its_own_salt_only_and_says_when_it_expires():
    t0 = float(int(time.time()))
    with time_machine.travel(t0, tick=False):
        token = CASE.make("uuid-1", compress=True)
        number = PAY.make(42)
    assert CASE.open(token, days=2).value == "uuid-1" and PAY.open(number, days=2).value == 42
    assert PAY.open(token, days=2).value is None and CASE.open(token + "x", days=2).value is None  # another salt, a forgery
    with time_machine.travel(t0 + 2 * 86400 - 1, tick=False):
        assert not CASE.open(token, days=2).expired
    with time_machine.travel(t0 + 2 * 86400 + 1, tick=False):
        late = CASE.open(token, days=2)
        assert late.expired and late.value == "uuid-1"  # still names its record: a fresh link can be sent


def test_a_session_remembers_a_bounded_number_until_each_expires():
    session: dict = {}
    now = time.time()
    for key, life in (("a", 100), ("b", 200), ("c", 300), ("d", 400)):
        CASE.remember(session, key, now + life)
    assert [CASE.granted(session, k) for k in "abcd"] == [False, True, True, True]  # the oldest dropped
    assert not PAY.granted(session, "b")  # another link's keys are its own
    with time_machine.travel(now + 250, tick=False):
        assert [CASE.granted(session, k) for k in "bcd"] == [False, True, True]
    session[CASE.session_key] = ["b"]  # an older layout of the session: ignored, not an error
    assert not CASE.granted(session, "b")
    CASE.remember(session, "e", now + 50)
    assert CASE.granted(session, "e")
