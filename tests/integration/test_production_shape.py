"""The production shape on one machine: two gunicorn app processes, PostgreSQL, Redis and a task
worker. A submission made through app A is seen through app B, and its confirmation email is
sent by the worker (not by the app) to a real SMTP server on loopback. Behind the project's own
nginx configuration (deploy/nginx/), the month calendars are answered from the proxy's cache."""

from __future__ import annotations

import datetime
import re
import shutil
import time

import httpx
import pytest

from madoguchi.devtools import servers

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not shutil.which("redis-server") or not servers.has_postgres(), reason="needs PostgreSQL and Redis")]

ANSWERS = {
    "name": "緑野 さくら",
    "name_kana": "みどりの さくら",
    "birth_date": "1990-04-01",
    "address": {"postal_code": "100-0001", "address": "東京都千代田区千代田1-1", "building": ""},
    "phone": "03-1234-5678",
    "email": "resident@example.jp",
    "reason": "lost",
    "agree": True,
}


def login(client: httpx.Client, base: str) -> None:
    page = client.get(base + "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        base + "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": "resident@example.jp", "password": "madoguchi-demo-2026"},
        headers={"Referer": base + "/accounts/login/"},
    )
    assert response.status_code == 302, response.text[:2000]


def test_two_app_processes_postgres_redis_worker(smtp_server):
    with servers.postgres() as db, servers.redis_server() as redis_url:
        env = servers.app_env(
            db, redis_url, EMAIL_HOST=smtp_server.host, EMAIL_PORT=str(smtp_server.port), EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend"
        )
        servers.manage(env, "migrate", "--noinput")
        servers.manage(env, "createcachetable")
        servers.manage(env, "load_demo")
        with servers.gunicorn(env, workers=1) as app_a, servers.gunicorn(env, workers=1) as app_b, servers.worker(env):
            with httpx.Client(timeout=30) as client:
                login(client, app_a)
                csrf = client.cookies.get("csrftoken")
                created = client.post(
                    app_a + "/api/applications/procedures/kaigo-saikofu/submissions",
                    json={"answers": ANSWERS},
                    headers={"X-CSRFToken": csrf, "Referer": app_a + "/", "Idempotency-Key": "prod-shape-1"},
                )
                assert created.status_code == 201, created.text
                receipt = created.json()["receipt_number"]
                # The session and the case live in shared stores: app B sees both.
                mine = client.get(app_b + "/api/applications/my/submissions")
                assert mine.status_code == 200
                assert [s["receipt_number"] for s in mine.json()] == [receipt]
                page = client.get(app_b + "/my/applications/")
                assert receipt in page.text
            # The demo's own emails (e.g. a proposal's answer to its supporters) may come first.
            deadline, wanted, messages = time.monotonic() + 60, 1, []
            while not any(receipt in m["message"]["Subject"] for m in messages) and time.monotonic() < deadline:
                messages = smtp_server.wait_for(wanted, timeout=max(1.0, deadline - time.monotonic()))
                wanted = len(messages) + 1
            assert any(receipt in m["message"]["Subject"] for m in messages), "the worker did not send the confirmation email"
            # Behind the production proxy (deploy/nginx/madoguchi-locations.conf), with an app
            # process that trusts it: the calendar is answered from the proxy's cache for a
            # signed-in reader too, per host name; a browser's If-None-Match gets 304 there.
            proxied = dict(env, BEHIND_PROXY="1", TRUSTED_PROXY_HOPS="1", RESERVATIONS_CALENDAR_MAX_AGE="600")
            with servers.gunicorn(proxied, workers=1) as app_c, servers.nginx(app_c) as proxy, httpx.Client(timeout=30) as client:
                login(client, proxy)
                facility = client.get(proxy + "/api/reservations/facilities").json()[0]["id"]
                today = datetime.date.today()
                path = f"/api/reservations/facilities/{facility}/availability?year={today.year}&month={today.month}"
                first, second = client.get(proxy + path), client.get(proxy + path)
                assert first.status_code == second.status_code == 200 and first.text == second.text
                assert (first.headers["X-Cache-Status"], second.headers["X-Cache-Status"]) == ("MISS", "HIT")
                assert "s-maxage=600" in second.headers["Cache-Control"] and "set-cookie" not in second.headers
                again = client.get(proxy + path, headers={"If-None-Match": second.headers["ETag"]})
                assert again.status_code == 304 and again.headers["X-Cache-Status"] == "HIT"
                other_host = client.get(proxy + path, headers={"Host": "localhost:" + proxy.rsplit(":", 1)[1]})
                assert other_host.status_code == 200 and other_host.headers["X-Cache-Status"] == "MISS"  # never shared across hosts
                assert "X-Cache-Status" not in client.get(proxy + "/api/reservations/facilities").headers  # only the calendars
