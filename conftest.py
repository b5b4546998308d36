"""Fixtures shared by every app's tests.

- ``run_tasks()``: run the outbox now (tests use pytest-django's transaction-wrapped DB, where
  on-commit announcements never fire, so tests drain the queue explicitly).
- ``smtp_server``: a real SMTP server (aiosmtpd) on loopback; ``smtp_email`` points Django at it.
- ``browser``/``page``: Debian's Chromium driven by Playwright; ``axe_check(page)`` fails on any
  WCAG 2.x A/AA violation; ``reflow_check(page, label)`` fails if the page scrolls sideways.
- ``demo``: the demo city (core + every app's demo.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from dataclasses import dataclass, field

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
os.environ.setdefault("TASK_MODE", "eager")  # never start the embedded worker thread inside pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_configure(config):
    # pytest-django has loaded settings already; a request that arrives between tests (a browser
    # still loading) must not start the embedded worker thread either.
    from django.conf import settings

    settings.TASK_MODE = "eager"


@pytest.fixture(autouse=True)
def _shared_cache_of_transactional_tests(request):
    """A transactional test (live server, real commits) starts with an empty shared cache: the
    database cache's table is not among the tables Django empties between such tests, so a host
    → city mapping cached by an earlier one would point at a city that no longer exists (other
    tests roll the cache back with their transaction)."""
    marker = request.node.get_closest_marker("django_db")
    if "live_server" in request.fixturenames or "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        from django.core.cache import cache

        cache.clear()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.TASK_MODE = "eager"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "private")}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Argon2 as in production, at the smallest cost (hashing was most of the cost of making a user).
    settings.PASSWORD_HASHERS = ["madoguchi.accounts.testing.FastArgon2PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    from madoguchi.core import tenancy

    tenancy.clear_caches()  # ids are reused between tests; a cached city must not leak
    settings.TENANCY_RESET_DB_CITY = True  # the test's queries share the client's connection


@pytest.fixture
def run_tasks(db):
    from madoguchi.core.tasks import run_pending

    return run_pending


@pytest.fixture
def demo(db):
    from django.core.management import call_command

    call_command("load_demo", "--single", verbosity=0)
    from madoguchi.core.models import Municipality

    return Municipality.current()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SMTPServer:
    host: str
    port: int
    messages: list = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server():
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    server = SMTPServer("127.0.0.1", free_port())
    lock = threading.Lock()

    class Handler:
        async def handle_DATA(self, srv, session, envelope):
            msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            with lock:
                server.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": msg})
            return "250 OK"

    controller = Controller(Handler(), hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_email(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    return smtp_server


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    b = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    )
    yield b
    b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="ja-JP", device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def axe_check():
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(pg, label: str = ""):
        # A click that navigates returns once the new document commits; wait until it has loaded
        # so axe audits the page the test means, not an empty one mid-navigation.
        pg.wait_for_load_state("load")
        results = axe.run(pg, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
        violations = results.response["violations"]
        if violations:
            lines = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in violations]
            pytest.fail(f"axe-core found {len(violations)} WCAG A/AA violation(s) on {label or pg.url}:\n" + "\n".join(lines))
        return results

    return check


@pytest.fixture
def reflow_check():
    """WCAG 1.4.10 reflow: at the current viewport nothing may need horizontal scrolling."""

    def check(pg, label: str = ""):
        pg.wait_for_load_state("load")
        overflow = pg.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{label or pg.url} scrolls sideways by {overflow}px"

    return check
