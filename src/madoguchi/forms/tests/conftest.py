import pytest

from madoguchi.accounts.testing import login_staff

SAMPLE = {
    "pages": [
        {
            "key": "applicant",
            "title": "申請者の情報",
            "fields": [
                {"key": "intro", "type": "paragraph", "text": "必要なことを入力してください。"},
                {"key": "name", "type": "text", "label": "氏名", "max_length": 20, "prefill": "full_name"},
                {"key": "name_kana", "type": "kana", "label": "ふりがな", "kana": "hiragana", "prefill": "full_name_kana"},
                {"key": "birth_date", "type": "date", "label": "生年月日", "min": "1900-01-01", "max": "today", "prefill": "birth_date"},
                {"key": "address", "type": "address", "label": "住所", "prefill": "address"},
                {"key": "phone", "type": "phone", "label": "電話番号", "prefill": "phone"},
                {"key": "email", "type": "email", "label": "メールアドレス", "required": False, "prefill": "email"},
            ],
        },
        {
            "key": "request",
            "title": "申請の内容",
            "fields": [
                {"key": "copies", "type": "number", "label": "必要な通数", "min": 1, "max": 10, "unit": "通"},
                {
                    "key": "purpose",
                    "type": "select",
                    "label": "使いみち",
                    "choices": [{"value": "work", "label": "勤務先へ提出"}, {"value": "other", "label": "その他"}],
                },
                {"key": "purpose_other", "type": "text", "label": "その他の使いみち", "show_if": {"field": "purpose", "equals": "other"}},
                {
                    "key": "delivery",
                    "type": "radio",
                    "label": "受け取り方法",
                    "choices": [{"value": "mail", "label": "郵送"}, {"value": "counter", "label": "窓口"}],
                },
                {
                    "key": "items",
                    "type": "checkboxes",
                    "label": "必要な記載事項",
                    "choices": [
                        {"value": "a", "label": "世帯主"},
                        {"value": "b", "label": "続柄"},
                        {"value": "c", "label": "本籍"},
                        {"value": "d", "label": "筆頭者"},
                    ],
                    "min_choices": 1,
                    "max_choices": 3,
                },
                {"key": "document", "type": "file", "label": "本人確認書類", "accept": ["pdf", "jpeg", "png"], "max_bytes": 100000, "required": False},
                {"key": "note", "type": "textarea", "label": "連絡事項", "required": False, "max_length": 100, "pattern_message": "x"},
                {"key": "agree", "type": "consent", "label": "個人情報の取扱いに同意します", "text": "同意文"},
            ],
        },
    ]
}

# 12 digits passing the マイナンバー check digit (123456789018: check digit 8).
MY_NUMBER = "123456789018"


@pytest.fixture
def sample_schema():
    import copy

    return copy.deepcopy(SAMPLE)


@pytest.fixture
def engine(sample_schema):
    from madoguchi.forms.engine import FormEngine

    return FormEngine.from_schema(sample_schema)


staff_login = login_staff  # one way to sign staff in with a verified second factor


@pytest.fixture
def org(db):
    from madoguchi.core.factories import MunicipalityFactory, SectionFactory, StaffFactory

    muni = MunicipalityFactory(name="みどり野市")
    shimin = SectionFactory(municipality=muni, name="市民課")
    kosodate = SectionFactory(municipality=muni, name="子育て支援課")
    users = {key: StaffFactory(email=f"{key}@example.lg.jp", section=section) for key, section in [("shimin", shimin), ("kosodate", kosodate)]}
    users["admin"] = StaffFactory(email="admin@example.lg.jp", admin=True)
    return {"muni": muni, "shimin": shimin, "kosodate": kosodate, "users": users}
