"""Signed pay links (支払用リンク): a payer without an account (or not signed in) pays from the
link in an email or on the case page; the token names the payment only (nothing personal),
expires, and an expired one gets a fresh link by email to the address the payment has."""

import base64
import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, SectionFactory
from madoguchi.core.models import MunicipalityDomain
from madoguchi.payments import paylinks, services
from madoguchi.payments.conftest import HOST
from madoguchi.payments.contrib.demo import provider as demo
from madoguchi.payments.models import Payment

S = Payment.Status


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def guest_payment(sections):
    """A fee of a case made without an account: no payer, only the address the case gave."""
    guest = services.Guest("緑野 一郎", "ichiro@example.jp")
    return services.request_payment(sections["shimin"], "手数料（住民票）", 300, sections["shimin"], guest, timezone.now() + dt.timedelta(days=7))


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def get(client, url, **kw):
    return client.get(url, HTTP_HOST=HOST, **kw)


def post(client, url, data=None, **kw):
    return client.post(url, data or {}, HTTP_HOST=HOST, **kw)


def test_guest_pays_through_the_link_without_an_account(client, guest_payment):
    assert guest_payment.payer is None and guest_payment.payer_email == "ichiro@example.jp"
    link = path(paylinks.url(guest_payment))
    assert get(client, f"/payments/{guest_payment.pk}/pay/").status_code == 302  # no link, no account: sign in
    opened = get(client, link)
    assert opened.status_code == 302 and opened["Location"] == f"/payments/{guest_payment.pk}/pay/"
    page = get(client, opened["Location"]).content.decode()
    assert "手数料（住民票）" in page and "300" in page and "お支払いの一覧へ戻る" not in page
    go = post(client, f"/payments/{guest_payment.pk}/pay/", {"provider": "demo", "amount": "1"})
    assert go.status_code == 302 and "/payments/demo-provider/checkout/" in go["Location"]
    # the provider is given a return URL through the link (its page may open in another browser)
    return_url = signing.loads(path(go["Location"]).split("/")[4], salt=demo.TOKEN_SALT)["r"]
    assert "/payments/link/" in return_url and "to=result" in return_url
    assert post(client, path(go["Location"]), {"action": "approve"}).status_code == 302
    guest_payment.refresh_from_db()
    assert guest_payment.status == S.PAID and guest_payment.amount == 300

    phone = Client()  # another browser following the return URL
    result = get(phone, path(return_url), follow=True)
    assert "お支払いが完了しました" in result.content.decode()
    receipt = get(phone, f"/payments/{guest_payment.pk}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    assert get(Client(), f"/payments/{guest_payment.pk}/receipt.pdf").status_code == 302  # not without the link


def test_the_token_names_the_payment_and_nothing_personal(guest_payment):
    token = paylinks.make_token(guest_payment)
    readable = token.split(":")[0]
    decoded = base64.urlsafe_b64decode(readable + "=" * (-len(readable) % 4)).decode()
    assert decoded == str(guest_payment.pk)
    url = paylinks.url(guest_payment)
    for personal in ("ichiro", "example.jp", "緑野", "300", guest_payment.merchant_reference):
        assert personal not in url


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "1" + t[1:], lambda t: t.split(":")[0], lambda t: "abc"])
def test_a_forged_or_broken_link_opens_nothing(client, guest_payment, mangle):
    response = get(client, f"/payments/link/{mangle(paylinks.make_token(guest_payment))}/")
    assert response.status_code == 404 and "このリンクは正しくありません" in response.content.decode()
    assert get(client, f"/payments/{guest_payment.pk}/pay/").status_code == 302


def test_another_citys_link_opens_nothing_here(client, guest_payment):
    other = MunicipalityFactory(name="あおば台市", code="139980")
    MunicipalityDomain.objects.create(municipality=other, domain="aoba.localhost")
    with tenancy.using(other):
        section = SectionFactory(name="市民課")
        theirs = services.request_payment(section, "手数料", 300, section, None, timezone.now() + dt.timedelta(days=7))
    token = paylinks.make_token(theirs)
    assert get(client, f"/payments/link/{token}/").status_code == 404
    assert client.get(f"/payments/link/{token}/", HTTP_HOST="aoba.localhost").status_code == 302


def test_an_expired_link_sends_a_fresh_one_to_the_address_on_file(client, guest_payment, mailoutbox, run_tasks, settings):
    settings.PAYMENTS_PAY_LINK_DAYS = 3
    link = path(paylinks.url(guest_payment))
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        page = get(client, link)
        assert page.status_code == 410
        html = page.content.decode()
        assert "有効期限" in html and "i***@example.jp" in html and "ichiro@" not in html
        assert get(client, f"/payments/{guest_payment.pk}/pay/").status_code == 302  # the expired link granted nothing
        token = link.split("/")[3]
        sent = post(client, f"/payments/link/{token}/renew/")
        assert sent.status_code == 200 and "新しいリンクを送りました" in sent.content.decode()
        run_tasks()
        mails = [m for m in mailoutbox if "お支払いのリンク" in m.subject]
        assert len(mails) == 1 and mails[0].to == ["ichiro@example.jp"]
        fresh = path(re.search(r"https?://\S+/payments/link/\S+/", mails[0].body).group(0))
        assert get(client, fresh).status_code == 302
        assert get(client, f"/payments/{guest_payment.pk}/pay/").status_code == 200


def test_renewing_is_limited_per_recipient(client, guest_payment, settings):
    settings.PAYMENTS_PAY_LINK_DAYS = 1
    settings.MAIL_RATE_LIMIT = 2
    token = paylinks.make_token(guest_payment)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        codes = [post(Client(), f"/payments/link/{token}/renew/", REMOTE_ADDR=f"192.0.2.{i}").status_code for i in range(4)]
    assert codes == [200, 200, 429, 429]


def test_a_valid_link_is_not_renewed_but_opened(client, guest_payment):
    token = paylinks.make_token(guest_payment)
    assert post(client, f"/payments/link/{token}/renew/")["Location"] == f"/payments/link/{token}/"
