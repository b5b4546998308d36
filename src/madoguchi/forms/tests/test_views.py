"""Postal-code endpoints, API, render_page markup and the staff editor."""

import json

import pytest

from madoguchi.forms import services
from madoguchi.forms.models import Form

from .conftest import staff_login
from .html import BeautifulSoup


def test_postal_code_htmx_fragment(client, db):  # every request resolves its city (core.tenancy)
    response = client.get("/forms/postal-code/", {"postal_code": "１９０－００１２"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-postal-fill="東京都立川市曙町"' in response.content.decode()
    response = client.get("/forms/postal-code/", {"postal_code": "abc"}, HTTP_HX_REQUEST="true")
    assert "7桁" in response.content.decode()
    response = client.get("/forms/postal-code/", {"postal_code": "1900012"}, HTTP_ACCEPT="application/json")
    assert response.json()["city"] == "立川市"


def test_postal_code_api(client, db):
    r = client.get("/api/forms/postal-code/190-0012")
    assert r.status_code == 200 and r.json() == {
        "postal_code": "190-0012",
        "prefecture": "東京都",
        "city": "立川市",
        "town": "曙町",
        "address": "東京都立川市曙町",
    }
    assert client.get("/api/forms/postal-code/9999999").status_code == 404
    assert client.get("/api/forms/postal-code/12").status_code == 400


def test_form_definition_api(client, org, sample_schema):
    form = services.create_form("転出届", sample_schema)
    draft_only = services.create_form("下書きだけ", sample_schema, publish=False)
    r = client.get(f"/api/forms/{form.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == 1 and body["definition"]["pages"][0]["key"] == "applicant"
    assert client.get(f"/api/forms/{draft_only.pk}").status_code == 404
    assert client.get("/api/forms/2147483647").status_code == 404


def test_render_page_accessibility_markup(engine):
    answers = {"name": "窓口太郎"}
    errors = {"name_kana": ["「ふりがな」はひらがなで入力してください。"], "address": ["「住所」の郵便番号を入力してください（例: 190-0012）。"]}
    html = engine.render_page(None, 0, answers, errors)
    soup = BeautifulSoup(html, "html.parser")
    summary = soup.select_one("#error-summary")
    assert summary["role"] == "alert"
    assert [a["href"] for a in summary.select("a")] == ["#f-name_kana", "#f-address-postal_code"]
    kana = soup.select_one("#f-name_kana")
    assert kana["aria-invalid"] == "true"
    assert "f-name_kana-error" in kana["aria-describedby"].split()
    assert soup.select_one("#f-name_kana-error").get_text().endswith("「ふりがな」はひらがなで入力してください。")
    name = soup.select_one("#f-name")
    assert name["value"] == "窓口太郎" and name["autocomplete"] == "name" and not name.has_attr("aria-invalid")
    assert soup.select_one("label[for=f-name]").select_one(".field__required").get_text() == "必須"
    assert soup.select_one("label[for=f-email]").select_one(".field__optional").get_text() == "任意"
    assert soup.select_one("#f-birth_date")["autocomplete"] == "bday"
    assert soup.select_one("#f-phone")["type"] == "tel" and soup.select_one("#f-phone")["autocomplete"] == "tel"
    assert soup.select_one("#f-email")["autocomplete"] == "email"
    address = soup.select_one("fieldset.form-address")
    assert address.legend.get_text().startswith("住所")
    assert soup.select_one("#f-address-postal_code")["autocomplete"] == "postal-code"
    assert soup.select_one("#f-address-postal_code")["inputmode"] == "numeric"
    assert soup.select_one("#f-address-address")["autocomplete"] == "address-line1"
    assert "style=" not in html and "<script" not in html
    # every input has a label
    for el in soup.select("input:not([type=hidden]), select, textarea"):
        assert soup.select_one(f"label[for={el['id']}]"), el


def test_render_choices_and_conditions(engine):
    soup = BeautifulSoup(engine.render_page(None, 1, {"items": ["a"]}, {"items": ["x"]}), "html.parser")
    fs = soup.select_one("#f-items-field fieldset")
    assert fs.legend.get_text().startswith("必要な記載事項")
    assert "f-items-error" in fs["aria-describedby"]
    assert soup.select_one("#f-items-0").has_attr("checked") and not soup.select_one("#f-items-1").has_attr("checked")
    cond = soup.select_one("#f-purpose_other-field")
    assert json.loads(cond["data-show-if"]) == {"field": "purpose", "equals": "other"}
    assert "「使いみち」で「その他」を選んだ場合" in cond.get_text()
    assert soup.select_one("#f-copies")["inputmode"] == "numeric"


# ---------------------------------------------------------------- staff editor
@pytest.fixture
def forms_by_section(org, sample_schema):
    return {
        "shimin": services.create_form("住民票の写しの交付請求", sample_schema, section=org["shimin"]),
        "kosodate": services.create_form("児童手当の認定請求", sample_schema, section=org["kosodate"]),
        "none": services.create_form("全庁アンケート", sample_schema),
    }


def test_editor_requires_staff(client, org, forms_by_section):
    assert client.get("/forms/staff/").status_code == 302  # to login
    client.force_login(org["users"]["shimin"])
    assert client.get("/forms/staff/").status_code == 302  # to TOTP verification


def test_editor_lists_only_own_section(client, org, forms_by_section):
    staff_login(client, org["users"]["shimin"])
    body = client.get("/forms/staff/").content.decode()
    assert "住民票の写しの交付請求" in body and "児童手当の認定請求" not in body and "全庁アンケート" not in body
    assert client.get(f"/forms/staff/{forms_by_section['kosodate'].pk}/").status_code == 403
    assert client.get(f"/forms/staff/{forms_by_section['none'].pk}/").status_code == 403
    assert client.post(f"/forms/staff/{forms_by_section['kosodate'].pk}/publish/").status_code == 403
    assert client.get(f"/forms/staff/{forms_by_section['shimin'].pk}/").status_code == 200


def test_admin_sees_all(client, org, forms_by_section):
    staff_login(client, org["users"]["admin"])
    body = client.get("/forms/staff/").content.decode()
    assert all(name in body for name in ("住民票の写しの交付請求", "児童手当の認定請求", "全庁アンケート"))


def _editor_post(client, form, op="save", changes=None):
    """Read the editor page and submit it back as a browser would, with changes."""
    page = client.get(f"/forms/staff/{form.pk}/")
    soup = BeautifulSoup(page.content.decode(), "html.parser")
    builder = soup.select_one("form.builder")
    data = {}
    for el in builder.select("input, select, textarea"):
        name = el.get("name")
        if not name or el.get("type") == "submit":
            continue
        if el.name == "select":
            opt = el.select_one("option[selected]") or el.select_one("option")
            data[name] = opt.get("value", "")
        elif el.name == "textarea":
            data[name] = el.get_text()
        elif el.get("type") == "checkbox":
            if el.has_attr("checked"):
                data[name] = "on"
        else:
            data[name] = el.get("value", "")
    data.update(changes or {})
    data["op"] = op
    return client.post(f"/forms/staff/{form.pk}/", data)


def test_builder_edit_add_move_remove_publish(client, org, forms_by_section):
    from madoguchi.core.models import AuditLog

    form = forms_by_section["shimin"]
    staff_login(client, org["users"]["shimin"])
    response = _editor_post(client, form, changes={"p0-f1-label": "お名前", "p0-f1-max_length": "30"})
    assert response.status_code == 302
    draft = form.draft_version()
    assert draft.number == 2
    assert draft.schema["pages"][0]["fields"][1]["label"] == "お名前"
    assert draft.schema["pages"][0]["fields"][1]["prefill"] == "full_name"  # options the builder does not show are kept
    assert form.published_version().schema["pages"][0]["fields"][1]["label"] == "氏名"

    assert _editor_post(client, form, op="add_field:1", changes={"p1-new_type": "radio"}).status_code == 302
    fields = form.draft_version().schema["pages"][1]["fields"]
    assert fields[-1]["type"] == "radio" and len(fields[-1]["choices"]) == 2
    assert _editor_post(client, form, op=f"field_up:1:{len(fields) - 1}").status_code == 302
    assert form.draft_version().schema["pages"][1]["fields"][-2]["type"] == "radio"
    assert _editor_post(client, form, op=f"remove_field:1:{len(fields) - 2}").status_code == 302
    assert len(form.draft_version().schema["pages"][1]["fields"]) == len(fields) - 1
    assert _editor_post(client, form, op="add_page").status_code == 302
    assert len(form.draft_version().schema["pages"]) == 3

    # an invalid change is refused with a Japanese message and not saved
    response = _editor_post(client, form, changes={"p0-f2-key": "name"})
    assert response.status_code == 400
    assert "重複" in response.content.decode()

    # show_if set through the builder
    response = _editor_post(client, form, changes={"p0-f6-show_if_field": "phone", "p0-f6-show_if_value": "*"})
    assert response.status_code == 302
    assert form.draft_version().schema["pages"][0]["fields"][6]["show_if"] == {"field": "phone", "not_empty": True}

    assert client.get(f"/forms/staff/{form.pk}/preview/").status_code == 200
    assert client.post(f"/forms/staff/{form.pk}/publish/").status_code == 302
    assert form.published_version().number == 2
    assert Form.objects.get(pk=form.pk).versions.get(number=1).schema["pages"][0]["fields"][1]["label"] == "氏名"
    assert AuditLog.objects.filter(target_type="forms.form", target_id=str(form.pk), actor=org["users"]["shimin"]).count() >= 5


def test_json_editor(client, org, forms_by_section):
    form = forms_by_section["shimin"]
    staff_login(client, org["users"]["shimin"])
    r = client.post(f"/forms/staff/{form.pk}/json/", {"schema_json": "{broken"})
    assert r.status_code == 400 and "JSON の書き方に誤りがあります" in r.content.decode()
    r = client.post(
        f"/forms/staff/{form.pk}/json/",
        {"schema_json": json.dumps({"pages": [{"key": "p", "title": "t", "fields": [{"key": "x", "type": "video", "label": "x"}]}]})},
    )
    assert r.status_code == 400 and "video" in r.content.decode()
    good = {
        "pages": [
            {
                "key": "p",
                "title": "t",
                "fields": [{"key": "x", "type": "text", "label": "x", "pattern": "[0-9]+", "pattern_message": "「x」は数字で入力してください。"}],
            }
        ]
    }
    r = client.post(f"/forms/staff/{form.pk}/json/", {"schema_json": json.dumps(good)})
    assert r.status_code == 302
    assert form.draft_version().schema == good


def test_preview_validates_page(client, org, forms_by_section):
    form = forms_by_section["shimin"]
    staff_login(client, org["users"]["shimin"])
    r = client.post(f"/forms/staff/{form.pk}/preview/?page=0", {"name": "", "name_kana": "abc"})
    body = r.content.decode()
    assert "「氏名」を入力してください。" in body and "「ふりがな」はひらがなで入力してください。" in body


def test_create_form(client, org):
    staff_login(client, org["users"]["shimin"])
    r = client.post("/forms/staff/new/", {"name": "", "section": str(org["kosodate"].pk)})
    assert r.status_code == 400
    body = r.content.decode()
    assert "「フォーム名」を入力してください。" in body and "「担当課」は示された一覧から選んでください。" in body
    r = client.post("/forms/staff/new/", {"name": "粗大ごみ収集の申込", "section": str(org["shimin"].pk)})
    assert r.status_code == 302
    assert Form.objects.get(name="粗大ごみ収集の申込").section == org["shimin"]


# The editor refuses numbers no schema can hold (issue #11 item 5): 4,301 digits, "1e999"
# (infinity: no JSON column stores it) and a huge max_length are Japanese errors, not a 500.
@pytest.mark.parametrize(
    "changes,message",
    [
        ({"p0-f0-type": "number", "p0-f0-min": "9" * 4301}, "「最小値」は数値で入力してください。"),
        ({"p0-f0-type": "number", "p0-f0-max": "1e999"}, "「最大値」は数値で入力してください。"),
        ({"p0-f0-max_length": "9" * 4301}, "「最大文字数」は0以上の整数（7桁まで）で入力してください。"),
    ],
)
def test_editor_refuses_numbers_no_schema_holds(client, org, forms_by_section, changes, message):
    staff_login(client, org["users"]["shimin"])
    response = _editor_post(client, forms_by_section["shimin"], changes=changes)
    assert response.status_code in (200, 400)
    assert message in response.content.decode()
