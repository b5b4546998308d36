"""Issue #12 item 10: full-width addresses are read as meant (one normalisation, one message);
an address SMTP cannot carry (non-ASCII local part) never becomes an invalid To: header."""

import pytest

from madoguchi.core import emails, notify


def test_normalize_full_width():
    assert emails.normalize("　ｔａｒｏ＠Ｅｘａｍｐｌｅ．ｊｐ ") == "taro@example.jp"
    assert emails.normalize("Taro@EXAMPLE.JP") == "Taro@example.jp"


def test_smtp_address():
    assert emails.smtp_address("shimin@city.example.lg.jp") == "shimin@city.example.lg.jp"
    assert emails.smtp_address("shimin@市.example.jp") == "shimin@xn--7st.example.jp"
    assert emails.smtp_address("市民課@city.example.lg.jp") is None
    assert emails.smtp_address("no-at-sign") is None


def test_form_field_accepts_full_width_and_refuses_with_one_message():
    field = emails.EmailField()
    assert field.clean("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ") == "taro@example.jp"


@pytest.mark.django_db
def test_subscribe_form_full_width_and_a_single_message():
    from madoguchi.alerts.forms import SubscribeForm

    form = SubscribeForm(data={"channel": "email", "email": "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "language": "ja"})
    form.is_valid()
    assert "email" not in form.errors and form.cleaned_data["email"] == "taro@example.jp"
    form = SubscribeForm(data={"channel": "email", "email": "taro at example", "language": "ja"})
    form.is_valid()
    assert len(form.errors["email"]) == 1  # not also 「メールアドレスを入力してください」


@pytest.mark.django_db
def test_signup_form_reads_full_width():
    from madoguchi.accounts.forms import SignupForm

    form = SignupForm(data={"email": "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "password1": "x", "password2": "x"})
    form.is_valid()
    assert "email" not in form.errors and form.cleaned_data["email"] == "taro@example.jp"


def test_non_ascii_local_part_is_left_out_not_sent_broken(mailoutbox, caplog):
    notify.send_email(["市民課@city.example.lg.jp", "shimin@市.example.jp"], "件名", "本文")
    assert len(mailoutbox) == 1
    message = mailoutbox[0].message()
    assert message["To"] == "shimin@xn--7st.example.jp" and "=?" not in message["To"]
    assert "city.example.lg.jp" in caplog.text and "市民課" not in caplog.text
    mailoutbox.clear()
    notify.send_email(["市民課@city.example.lg.jp"], "件名", "本文")
    assert mailoutbox == []
