"""Field validation of every type, show_if, multi-page, summary and search text."""

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.forms.engine import FormEngine, normalise_phone

from .conftest import MY_NUMBER

PAGE1 = {
    "name": "窓口　太郎",
    "name_kana": "まどぐち たろう",
    "birth_date": "昭和55年4月1日",
    "address__postal_code": "190-0012",
    "address__address": "東京都立川市曙町1-2-3",
    "address__building": "",
    "phone": "090-1234-5678",
    "email": "",
}
PAGE2 = {"copies": "2", "purpose": "work", "delivery": "mail", "items": ["a", "b"], "agree": "on"}


def one(engine, page, data, answers=None, **kw):
    return engine.validate_page(page, data, {}, answers or {}, **kw)


def test_valid_first_page_cleans_values(engine):
    result = one(engine, 0, PAGE1)
    assert result.errors == {}
    a = result.answers
    assert a["birth_date"] == "1980-04-01"
    assert a["name_kana"] == "まどぐち\u3000たろう"
    assert a["address"] == {"postal_code": "190-0012", "address": "東京都立川市曙町1-2-3", "building": ""}
    assert a["phone"] == "090-1234-5678"
    assert "email" not in a  # optional and empty: not kept


@pytest.mark.parametrize("typed", ["R8.4.1", "令和8年4月1日", "2026-04-01", "２０２６年４月１日", "H31.4.30"])
def test_date_accepts_wareki_and_seireki(engine, typed):
    engine.fields["birth_date"].spec["max"] = "2100-01-01"
    result = one(engine, 0, {**PAGE1, "birth_date": typed})
    assert "birth_date" not in result.errors, result.errors


def test_date_errors_name_the_field(engine):
    r = one(engine, 0, {**PAGE1, "birth_date": "きのう"})
    assert r.errors["birth_date"][0].startswith("「生年月日」")
    assert r.answers["birth_date"] == "きのう"  # what was typed is kept for correction
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    r = one(engine, 0, {**PAGE1, "birth_date": tomorrow.isoformat()})
    assert "今日" in r.errors["birth_date"][0] and "以前" in r.errors["birth_date"][0]
    r = one(engine, 0, {**PAGE1, "birth_date": "1899-12-31"})
    assert "以降" in r.errors["birth_date"][0]
    r = one(engine, 0, {**PAGE1, "birth_date": "令和2年2月30日"})
    assert "ありません" in r.errors["birth_date"][0]


def test_kana_normalised_and_validated(engine):
    r = one(engine, 0, {**PAGE1, "name_kana": "ﾏﾄﾞｸﾞﾁ ﾀﾛｳ"})
    assert r.answers["name_kana"] == "まどぐち\u3000たろう"
    r = one(engine, 0, {**PAGE1, "name_kana": "窓口太郎"})
    assert r.errors["name_kana"] == ["「ふりがな」はひらがなで入力してください。"]
    engine.fields["name_kana"].spec["kana"] = "katakana"
    engine.fields["name_kana"].spec["label"] = "フリガナ"
    r = one(engine, 0, {**PAGE1, "name_kana": "まどぐち　たろう"})
    assert r.answers["name_kana"] == "マドグチ\u3000タロウ"
    r = one(engine, 0, {**PAGE1, "name_kana": "Madoguchi"})
    assert r.errors["name_kana"] == ["「フリガナ」はカタカナで入力してください。"]


def test_required_and_max_length(engine):
    r = one(engine, 0, {**PAGE1, "name": ""})
    assert r.errors["name"] == ["「氏名」を入力してください。"]
    r = one(engine, 0, {**PAGE1, "name": "あ" * 21})
    assert "20文字以内" in r.errors["name"][0]
    # the rest of the input is kept
    assert r.answers["phone"] == "090-1234-5678"


def test_pattern_message(engine):
    engine.fields["name"].spec.update(pattern=r"[^0-9]+", pattern_message="「氏名」に数字は使えません。")
    r = one(engine, 0, {**PAGE1, "name": "太郎2"})
    assert r.errors["name"] == ["「氏名」に数字は使えません。"]


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("09012345678", "090-1234-5678"),
        ("０９０ー１２３４ー５６７８", "090-1234-5678"),
        ("042-123-4567", "042-123-4567"),
        ("+81 90 1234 5678", "090-1234-5678"),
        ("0421234567", "0421234567"),
    ],
)
def test_phone_normalised(typed, expected):
    assert normalise_phone(typed) == expected


def test_phone_and_email_errors(engine):
    r = one(engine, 0, {**PAGE1, "phone": "12345", "email": "taro@"})
    assert r.errors["phone"][0].startswith("「電話番号」")
    assert r.errors["email"][0].startswith("「メールアドレス」")
    r = one(engine, 0, {**PAGE1, "email": "ｔａｒｏ＠Example.JP"})
    assert r.answers["email"] == "taro@example.jp"


def test_address_postal_code_fills_address_without_js(engine):
    r = one(engine, 0, {**PAGE1, "address__postal_code": "１９０００１２", "address__address": ""})
    assert "番地" in r.errors["address"][0]
    assert r.answers["address"]["address"] == "東京都立川市曙町"
    assert r.answers["address"]["postal_code"] == "190-0012"
    r = one(engine, 0, {**PAGE1, "address__postal_code": "12"})
    assert "7桁" in r.errors["address"][0]
    r = one(engine, 0, {**PAGE1, "address__postal_code": "9999999", "address__address": ""})
    assert "見つかりません" in r.errors["address"][0]


def test_number_checkbox_radio_select(engine):
    r = one(engine, 1, {**PAGE2, "copies": "３"})
    assert r.errors == {} and r.answers["copies"] == 3
    r = one(engine, 1, {**PAGE2, "copies": "11"})
    assert r.errors["copies"] == ["「必要な通数」は1通から10通までの数を入力してください。"]
    r = one(engine, 1, {**PAGE2, "copies": "たくさん"})
    assert "数字" in r.errors["copies"][0]
    r = one(engine, 1, {**PAGE2, "items": []})
    assert r.errors["items"] == ["「必要な記載事項」を1つ以上選んでください。"]
    r = one(engine, 1, {**PAGE2, "items": ["a", "b", "c", "d"]})
    assert "3つまで" in r.errors["items"][0]
    assert r.answers["items"] == ["a", "b", "c", "d"]  # kept so the resident can untick one
    r = one(engine, 1, {**PAGE2, "delivery": "drone", "purpose": ""})
    assert r.errors["delivery"] == ["「受け取り方法」は示された選択肢から選んでください。"]
    assert r.errors["purpose"] == ["「使いみち」を選んでください。"]


def test_consent_required(engine):
    r = one(engine, 1, {k: v for k, v in PAGE2.items() if k != "agree"})
    assert r.errors["agree"][0].startswith("「個人情報の取扱いに同意します」")
    assert one(engine, 1, PAGE2).answers["agree"] is True


def test_show_if_hidden_field_neither_validated_nor_kept(engine):
    r = one(engine, 1, {**PAGE2, "purpose_other": "秘密"}, answers={"purpose_other": "古い値"})
    assert r.errors == {}
    assert "purpose_other" not in r.answers
    r = one(engine, 1, {**PAGE2, "purpose": "other"})
    assert r.errors["purpose_other"] == ["「その他の使いみち」を入力してください。"]
    r = one(engine, 1, {**PAGE2, "purpose": "other", "purpose_other": "資格試験"})
    assert r.answers["purpose_other"] == "資格試験"
    # changing the controlling answer later drops the dependent answer
    r2 = one(engine, 1, PAGE2, answers=r.answers)
    assert "purpose_other" not in r2.answers


def test_show_if_in_and_not_empty():
    engine = FormEngine.from_schema(
        {
            "pages": [
                {
                    "key": "p",
                    "title": "t",
                    "fields": [
                        {
                            "key": "kind",
                            "type": "radio",
                            "label": "種類",
                            "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}, {"value": "c", "label": "C"}],
                        },
                        {"key": "detail", "type": "text", "label": "詳細", "show_if": {"field": "kind", "in": ["a", "b"]}},
                        {"key": "more", "type": "text", "label": "補足", "required": False},
                        {"key": "why", "type": "text", "label": "理由", "show_if": {"field": "more", "not_empty": True}},
                    ],
                }
            ]
        }
    )
    assert set(engine.validate_page(0, {"kind": "b"}, {}, {}).errors) == {"detail"}
    assert engine.validate_page(0, {"kind": "c"}, {}, {}).errors == {}
    assert set(engine.validate_page(0, {"kind": "c", "more": "x"}, {}, {}).errors) == {"why"}


def test_my_number_refused_in_ordinary_fields(engine):
    r = one(engine, 0, {**PAGE1, "name": f"太郎 {MY_NUMBER}"})
    assert "マイナンバー" in r.errors["name"][0] and "「氏名」" in r.errors["name"][0]
    assert "name" not in r.answers  # never kept, not even for re-display
    r = one(engine, 1, {**PAGE2, "note": "番号は１２３４ ５６７８ ９０１８です"})
    assert "マイナンバー" in r.errors["note"][0]
    # 12 digits failing the check digit are not a マイナンバー
    r = one(engine, 1, {**PAGE2, "note": "123456789012"})
    assert "note" not in r.errors


def test_my_number_field_only_when_allowed():
    schema = {
        "pages": [
            {
                "key": "p",
                "title": "t",
                "fields": [{"key": "individual_number", "type": "my_number", "label": "個人番号"}, {"key": "name", "type": "text", "label": "氏名"}],
            }
        ]
    }
    allowed = FormEngine.from_schema(schema, allows_my_number=True)
    r = allowed.validate_page(0, {"individual_number": "1234 5678 9018", "name": "太郎"}, {}, {})
    assert r.errors == {} and r.answers["individual_number"] == MY_NUMBER
    r = allowed.validate_page(0, {"individual_number": "123456789012", "name": "太郎"}, {}, {})
    assert "番号が正しくありません" in r.errors["individual_number"][0]
    assert "individual_number" not in r.answers
    refused = FormEngine.from_schema(schema, allows_my_number=False)
    r = refused.validate_page(0, {"individual_number": MY_NUMBER, "name": "太郎"}, {}, {})
    assert "受け付けていません" in r.errors["individual_number"][0]
    # summary and search text never contain it in clear
    answers = {"individual_number": MY_NUMBER, "name": "太郎"}
    assert all(MY_NUMBER not in row.display for row in allowed.summary(answers))
    assert MY_NUMBER not in allowed.search_text(answers)
    html = allowed.render_page(None, 0, answers, {})
    assert MY_NUMBER not in html


def test_validate_all_and_summary(engine):
    r1 = one(engine, 0, PAGE1)
    r2 = one(engine, 1, PAGE2, answers=r1.answers)
    assert engine.validate_all(r2.answers) == {}
    rows = {row.key: row for row in engine.summary(r2.answers)}
    assert rows["birth_date"].display == "昭和55年4月1日"
    assert rows["items"].display == "世帯主、続柄"
    assert rows["copies"].display == "2通"
    assert rows["address"].display == "〒190-0012 東京都立川市曙町1-2-3"
    assert rows["agree"].display == "同意する"
    assert "purpose_other" not in rows
    assert "窓口" in engine.search_text(r2.answers)
    missing = dict(r2.answers)
    del missing["phone"]
    errors = engine.validate_all(missing)
    assert list(errors) == ["phone"]
    assert engine.first_page_with_errors(errors) == 0


def test_prefill_from_profile(engine, db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        email="taro@example.jp",
        password="x-pass-12345",
        family_name="窓口",
        given_name="太郎",
        family_name_kana="マドグチ",
        given_name_kana="タロウ",
        birth_date=dt.date(1980, 4, 1),
        postal_code="1900012",
        address="東京都立川市曙町1-2-3",
        phone="09012345678",
    )
    answers = engine.prefill(user)
    assert answers["birth_date"] == "1980-04-01"
    assert answers["address"]["postal_code"] == "190-0012"
    assert answers["phone"] == "090-1234-5678"
    assert answers["name_kana"].startswith("まどぐち")
