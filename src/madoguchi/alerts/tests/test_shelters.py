"""避難所の管理 (issue #18 item 4): staff with the manage permission add and edit shelters with
the fields 自治体標準 03 publishes; bad input gets a Japanese error next to its field and keeps
what was typed; every save is audited; a clerk is refused; the open data refresh is queued."""

import re

import pytest

from madoguchi.accounts.testing import login_staff
from madoguchi.alerts.factories import AreaFactory, ShelterFactory
from madoguchi.alerts.models import Shelter
from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog, StaffRole, Task

VALID = {
    "name": "中央小学校",
    "address": "テスト市中央一丁目1番1号（架空）",
    "latitude": "35.681236",
    "longitude": "139.767125",
    "is_evacuation_site": "on",
    "hazards": ["hazard_earthquake", "hazard_large_fire"],
    "is_designated_shelter": "on",
    "capacity": "300",
}


@pytest.fixture
def setup(db):
    city = MunicipalityFactory(is_default=True)
    with tenancy.using(city):
        section = SectionFactory(municipality=city, name="防災安全課")
        manager = StaffFactory(section=section, role=StaffRole.Role.MANAGER)
        clerk = StaffFactory(section=section)
        area = AreaFactory(municipality=city, name="中央一丁目")
    return {"city": city, "manager": manager, "clerk": clerk, "area": area}


def test_manager_adds_and_edits_a_shelter(client, setup):
    login_staff(client, setup["manager"])
    assert "避難所を追加" in client.get("/alerts/staff/shelters/").content.decode()
    response = client.post("/alerts/staff/shelters/new/", {**VALID, "area": setup["area"].pk})
    assert response.status_code == 302
    with tenancy.using(setup["city"]):
        s = Shelter.objects.get(name="中央小学校")
        assert s.hazard_earthquake and s.hazard_large_fire and not s.hazard_flood and s.is_designated_shelter and s.capacity == 300
        assert s.area == setup["area"] and str(s.latitude) == "35.681236"
        created = AuditLog.objects.get(target_type="alerts.shelter", target_id=str(s.pk))
        assert created.action == AuditLog.Action.CREATE and created.actor == setup["manager"]
        assert Task.objects.filter(name="opendata.refresh", payload__key="evacuation_spaces").exists()
    page = client.get(f"/alerts/staff/shelters/{s.pk}/edit/").content.decode()
    assert re.search(r'value="hazard_earthquake"[^>]*checked', page) and not re.search(r'value="hazard_flood"[^>]*checked', page)
    response = client.post(f"/alerts/staff/shelters/{s.pk}/edit/", {**VALID, "hazards": ["hazard_flood"], "capacity": "250"})
    assert response.status_code == 302
    with tenancy.using(setup["city"]):
        s.refresh_from_db()
        assert s.hazard_flood and not s.hazard_earthquake and s.capacity == 250
        updated = AuditLog.objects.filter(target_id=str(s.pk), action=AuditLog.Action.UPDATE).get()
        assert set(updated.detail["fields"]) >= {"capacity", "hazards"}
    listing = client.get("/alerts/staff/shelters/").content.decode()
    assert "中央小学校" in listing and "洪水" in listing and "250人" in listing


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "名称を入力してください。"),
        ({"latitude": "139.767125", "longitude": "35.681236"}, "latitude", "緯度は日本の範囲（20〜46）"),
        ({"longitude": ""}, "longitude", "緯度と経度は両方とも入力してください"),
        ({"latitude": "北緯35度"}, "latitude", "緯度は半角の数字で入力してください"),
        ({"capacity": "-5"}, "capacity", "想定収容人数は0以上の整数で入力してください。"),
        ({"capacity": "三百"}, "capacity", "想定収容人数は半角の整数で入力してください"),
        ({"hazards": []}, "hazards", "対象とする災害種別を1つ以上選んでください。"),
        ({"is_evacuation_site": ""}, "hazards", "災害種別は指定緊急避難場所のときだけ選べます。"),
    ],
)
def test_bad_input_gets_a_japanese_error_and_keeps_the_rest(client, setup, change, field, message):
    login_staff(client, setup["manager"])
    data = {k: v for k, v in {**VALID, **change}.items() if v != ""}
    response = client.post("/alerts/staff/shelters/new/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    html = response.content.decode()
    assert message in html and 'id="error-summary"' in html
    if field != "name":
        assert 'value="中央小学校"' in html  # what was typed is kept
    with tenancy.using(setup["city"]):
        assert not Shelter.objects.exists()


def test_duplicate_name_and_other_city_area_are_refused(client, setup):
    login_staff(client, setup["manager"])
    with tenancy.using(setup["city"]):
        ShelterFactory(municipality=setup["city"], area=setup["area"], name="中央小学校")
    other = MunicipalityFactory()
    with tenancy.using(other):
        foreign = AreaFactory(municipality=other, name="よその町")
    response = client.post("/alerts/staff/shelters/new/", {**VALID, "area": foreign.pk})
    errors = response.context["form"].errors
    assert "同じ名称の避難所がすでにあります" in errors["name"][0] and "area" in errors


def test_clerk_is_refused(client, setup):
    login_staff(client, setup["clerk"])
    response = client.get("/alerts/staff/shelters/")
    assert response.status_code == 302
    response = client.post("/alerts/staff/shelters/new/", VALID, follow=True)
    assert "各課の管理者または情報政策課" in response.content.decode()
    with tenancy.using(setup["city"]):
        assert not Shelter.objects.exists()
