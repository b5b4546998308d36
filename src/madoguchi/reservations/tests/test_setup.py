"""Staff set-up screens: facilities, units, opening hours and frames, fees, 減免基準."""

import datetime as dt

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.accounts.testing import login_staff
from madoguchi.core.models import AuditLog, StaffRole
from madoguchi.reservations.models import ExemptionRule, Facility, Fee, FrameDefinition, OpeningHours, Unit

pytestmark = pytest.mark.django_db


def _staff(django_user_model, section, role=StaffRole.Role.MANAGER):
    user = django_user_model.objects.create_user(email=f"{section.pk}-{role}@city.example.jp", password=None, is_staff=True)
    StaffRole.objects.create(user=user, section=section, role=role)
    TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    return user


@pytest.fixture
def manager(client, django_user_model, section):
    user = _staff(django_user_model, section)
    login_staff(client, user)
    return user


FACILITY_POST = {
    "code": "F010",
    "name": "北公民館",
    "name_kana": "きたｺｳﾐﾝｶﾝ",
    "kind": "community",
    "postal_code": "１９０００１２",
    "address": "テスト市北町1-2",
    "latitude": "35.71",
    "longitude": "139.41",
    "phone": "０４２－０００－１２３４",
    "hours_note": "毎週月曜日休館",
    "description": "定員80人、プロジェクターあり",
    "accessibility": "車いす用トイレ、スロープ",
    "booking_window_days": "60",
    "booking_min_days": "1",
    "max_bookings_per_month": "4",
    "max_frames_per_day": "2",
    "cancel_deadline_days": "7",
    "cancel_fee_percent": "50",
    "pay_deadline_days": "7",
    "lottery_pay_days": "14",
    "closes_year_end": "on",
    "is_public": "on",
}


def test_manager_creates_and_edits_a_facility(client, manager, section, other_section):
    assert "施設の設定" in client.get("/reservations/staff/").content.decode()
    r = client.get("/reservations/staff/setup/facilities/new/")
    page = r.content.decode()
    assert r.status_code == 200 and "生涯学習スポーツ課" in page and "市民課" not in page
    # a section the manager does not manage is refused with a Japanese message naming the field
    r = client.post("/reservations/staff/setup/facilities/new/", {**FACILITY_POST, "section": other_section.pk})
    assert "所管課は、あなたが管理者である課から選んでください" in r.content.decode()
    r = client.post("/reservations/staff/setup/facilities/new/", {**FACILITY_POST, "section": section.pk})
    assert r.status_code == 302
    f = Facility.objects.get(code="F010")
    assert f.name_kana == "キタコウミンカン" and f.postal_code == "190-0012" and f.phone == "042-000-1234"
    assert f.municipality_id == section.municipality_id and f.booking_window_days == 60 and f.is_public
    assert AuditLog.objects.filter(action="create", target_type="reservations.facility", target_id=str(f.pk)).exists()
    # edit: bad input gets one message per field, naming it
    bad = {**FACILITY_POST, "section": section.pk, "name": "", "name_kana": "北", "latitude": "135", "cancel_fee_percent": "150", "booking_min_days": "90"}
    r = client.post(f"/reservations/staff/setup/facilities/{f.pk}/", bad)
    page = r.content.decode()
    assert r.status_code == 200
    for text in [
        "名称を入力してください",
        "名称（カナ）はカタカナで",
        "緯度は日本国内の値",
        "期限後の取消料（使用料の％）は0〜100",
        "予約受付（何日前まで）は",
    ]:
        assert text in page, text
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_name_kana_helptext id_name_kana_error"' in page and 'id="id_name_kana_helptext"' in page
    r = client.post(f"/reservations/staff/setup/facilities/{f.pk}/", {**FACILITY_POST, "section": section.pk, "name": "北公民館（新館）", "is_public": ""})
    assert r.status_code == 302
    f.refresh_from_db()
    assert f.name == "北公民館（新館）" and not f.is_public
    log = AuditLog.objects.filter(action="update", target_type="reservations.facility").latest("pk")
    assert set(log.detail) == {"name", "is_public"}


def test_duplicate_code_and_non_numeric(client, manager, section, facility):
    r = client.post("/reservations/staff/setup/facilities/new/", {**FACILITY_POST, "section": section.pk, "code": "F001", "max_frames_per_day": "たくさん"})
    page = r.content.decode()
    assert "施設ID「F001」は別の施設で使われています" in page and "1日の予約上限（枠）は半角数字で入力してください" in page
    assert Facility.objects.count() == 1


def test_units(client, manager, facility):
    r = client.post(f"/reservations/staff/setup/facilities/{facility.pk}/units/new/", {"name": "", "capacity": "-1", "frame_mode": "x"})
    page = r.content.decode()
    assert "名称を入力してください" in page and "定員（人）は0以上" in page and "時間枠は一覧から選んでください" in page
    r = client.post(
        f"/reservations/staff/setup/facilities/{facility.pk}/units/new/",
        {"name": "和室", "capacity": "20", "equipment": "座卓", "frame_mode": "hourly", "order": "1", "is_active": "on"},
    )
    assert r.status_code == 302
    unit = Unit.objects.get(name="和室")
    assert unit.facility == facility and unit.frame_mode == "hourly" and unit.is_active
    r = client.post(f"/reservations/staff/setup/units/{unit.pk}/", {"name": "和室", "capacity": "24", "frame_mode": "fixed", "order": "1"})
    unit.refresh_from_db()
    assert r.status_code == 302 and unit.capacity == 24 and not unit.is_active and unit.frame_mode == "fixed"
    assert AuditLog.objects.filter(target_type="reservations.unit", target_id=str(unit.pk)).count() == 2
    assert "和室" in client.get(f"/reservations/staff/setup/facilities/{facility.pk}/").content.decode()


def _hours_post(facility, **overrides):
    data = {}
    for wd in range(7):
        data[f"d{wd}-opens"] = "09:00"
        data[f"d{wd}-closes"] = "22:00"
    data["d0-closed"] = "on"
    for f in facility.frames.all():
        data[f"f{f.pk}-label"] = f.label
        data[f"f{f.pk}-start"] = f"{f.start:%H:%M}"
        data[f"f{f.pk}-end"] = f"{f.end:%H:%M}"
    data.update(overrides)
    return data


def test_hours_change_warns_about_bookings_outside(client, manager, facility, unit, resident, now):
    from madoguchi.reservations.models import Booking

    day = dt.date.today() + dt.timedelta(days=(5 - dt.date.today().weekday()) % 7 or 7)  # a Saturday ahead
    Booking.objects.create(unit=unit, user=resident, date=day, start=dt.time(18), end=dt.time(21), status="confirmed", fee=0)
    url = f"/reservations/staff/setup/facilities/{facility.pk}/hours/"
    r = client.post(url, _hours_post(facility), follow=True)
    assert "新しい開館時間・時間区分に合いません" not in r.content.decode()
    r = client.post(url, _hours_post(facility, **{"d5-closed": "on"}), follow=True)
    assert "今日以降の予約のうち1件が" in r.content.decode()
    assert Booking.objects.filter(status="confirmed").count() == 1


def test_opening_hours_and_frames(client, manager, facility):
    url = f"/reservations/staff/setup/facilities/{facility.pk}/hours/"
    page = client.get(url).content.decode()
    assert "月曜日" in page and "午前" in page
    night = facility.frames.get(label="夜間")
    # errors name the weekday and the frame
    r = client.post(url, _hours_post(facility, **{"d2-opens": "", "d3-closes": "08:00", f"f{night.pk}-end": "17:00", f"f{night.pk}-start": "18:00"}))
    page = r.content.decode()
    assert "水曜日の開館時刻を入力するか、休館にチェックしてください" in page
    assert "木曜日の閉館時刻は開館時刻より後にしてください" in page
    assert "夜間の終了時刻は開始時刻より後にしてください" in page
    # overlap between frames
    r = client.post(url, _hours_post(facility, **{"new1-label": "昼", "new1-start": "11:00", "new1-end": "14:00"}))
    assert "時間が重なっています" in r.content.decode()
    # valid: Sunday closed too, night ends at 21:30, a new 早朝 frame, 午後 deleted
    pm = facility.frames.get(label="午後")
    data = _hours_post(
        facility, **{"d6-closed": "on", f"f{night.pk}-end": "21:30", "new1-label": "早朝", "new1-start": "07:00", "new1-end": "09:00", f"f{pm.pk}-delete": "on"}
    )
    r = client.post(url, data)
    assert r.status_code == 302
    assert sorted(OpeningHours.objects.filter(facility=facility).values_list("weekday", flat=True)) == [1, 2, 3, 4, 5]
    assert OpeningHours.objects.get(facility=facility, weekday=1).closes == dt.time(22)
    frames = {f.label: (f.start, f.end) for f in FrameDefinition.objects.filter(facility=facility)}
    assert frames == {"早朝": (dt.time(7), dt.time(9)), "午前": (dt.time(9), dt.time(12)), "夜間": (dt.time(18), dt.time(21, 30))}
    log = AuditLog.objects.filter(action="update", target_type="reservations.facility").latest("pk")
    assert log.detail["frames"]["deleted"] == ["午後"]


def test_fee_table(client, manager, facility, unit, hourly_unit):
    url = f"/reservations/staff/setup/facilities/{facility.pk}/fees/"
    page = client.get(url).content.decode()
    assert "市内団体" in page and 'value="3000"' in page
    data = {
        f"fee_{unit.pk}_resident": "3500",
        f"fee_{unit.pk}_resident_group": "",
        f"fee_{unit.pk}_non_resident": "７,０００",
        f"fee_{hourly_unit.pk}_resident": "abc",
    }
    r = client.post(url, data)
    assert "会議室A・市内個人の使用料（円）は半角数字で入力してください" in r.content.decode()
    data[f"fee_{hourly_unit.pk}_resident"] = "600"
    data[f"fee_{hourly_unit.pk}_non_resident"] = "1200"
    assert client.post(url, data).status_code == 302
    fees = {(f.unit_id, f.category): f.amount for f in Fee.objects.all()}
    assert fees == {
        (unit.pk, "resident"): 3500,
        (unit.pk, "non_resident"): 7000,
        (hourly_unit.pk, "resident"): 600,
        (hourly_unit.pk, "non_resident"): 1200,
    }
    assert AuditLog.objects.filter(action="update", detail__has_key="fees").exists()


def test_exemption_rules(client, manager, facility):
    r = client.post("/reservations/staff/setup/exemption-rules/new/", {"name": "", "percent": "0", "order": "0", "is_active": "on"})
    page = r.content.decode()
    assert "減免の理由を入力してください" in page and "減免率（％）は1〜100" in page
    r = client.post(
        "/reservations/staff/setup/exemption-rules/new/",
        {"name": "障害者団体の活動", "percent": "100", "documents": "会員名簿", "order": "1", "is_active": "on"},
    )
    assert r.status_code == 302
    rule = ExemptionRule.objects.get()
    assert rule.municipality == facility.municipality
    assert "障害者団体の活動" in client.get("/reservations/staff/setup/exemption-rules/").content.decode()
    r = client.post(
        f"/reservations/staff/setup/exemption-rules/{rule.pk}/", {"name": "障害者団体の活動", "percent": "50", "documents": "会員名簿", "order": "1"}
    )
    rule.refresh_from_db()
    assert r.status_code == 302 and rule.percent == 50 and not rule.is_active
    assert AuditLog.objects.filter(target_type="reservations.exemptionrule").count() == 2


def test_clerk_views_but_cannot_change_and_other_section_gets_404(client, django_user_model, section, other_section, facility, unit):
    clerk = _staff(django_user_model, section, StaffRole.Role.CLERK)
    login_staff(client, clerk)
    ExemptionRule.objects.create(municipality=facility.municipality, name="子ども会", percent=50)
    rule = ExemptionRule.objects.get()
    pages = [
        f"/reservations/staff/setup/facilities/{facility.pk}/",
        f"/reservations/staff/setup/units/{unit.pk}/",
        f"/reservations/staff/setup/facilities/{facility.pk}/hours/",
        f"/reservations/staff/setup/facilities/{facility.pk}/fees/",
        f"/reservations/staff/setup/exemption-rules/{rule.pk}/",
    ]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200 and "閲覧のみできます" in r.content.decode(), url
        r = client.post(url, {})
        assert r.status_code == 403 and "管理者の権限" in r.content.decode(), url
    for url in [
        "/reservations/staff/setup/facilities/new/",
        f"/reservations/staff/setup/facilities/{facility.pk}/units/new/",
        "/reservations/staff/setup/exemption-rules/new/",
    ]:
        assert client.get(url).status_code == 403, url
    assert not AuditLog.objects.filter(action__in=["create", "update"]).exists()
    # a manager of another section does not see this facility at all
    other = _staff(django_user_model, other_section)
    login_staff(client, other)
    for url in pages[:4] + [f"/reservations/staff/setup/facilities/{facility.pk}/units/new/"]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    assert "中央公民館" not in client.get("/reservations/staff/setup/").content.decode()
    r = client.get(f"/reservations/staff/setup/exemption-rules/{rule.pk}/")
    assert r.status_code == 403 and "施設を所管する課の職員だけ" in r.content.decode()


def test_every_setup_page_renders_for_the_demo_city(client, django_user_model):
    """Real data: every facility of the demo city, every set-up page, for a 管理者 of the
    section that runs them; a resident gets no access."""
    from madoguchi.core import demo as core_demo
    from madoguchi.core.models import Section
    from madoguchi.reservations import demo

    demo.load(core_demo.load())
    sports = Section.objects.get(name="生涯学習スポーツ課")
    login_staff(client, _staff(django_user_model, sports))
    assert "施設の設定" in client.get("/reservations/staff/").content.decode()
    facilities = Facility.objects.filter(section=sports)
    assert facilities.exists()
    for f in facilities:
        for url in [
            f"/reservations/staff/setup/facilities/{f.pk}/",
            f"/reservations/staff/setup/facilities/{f.pk}/hours/",
            f"/reservations/staff/setup/facilities/{f.pk}/fees/",
        ]:
            r = client.get(url)
            assert r.status_code == 200 and f.name in r.content.decode(), url
        for u in f.units.all():
            assert client.get(f"/reservations/staff/setup/units/{u.pk}/").status_code == 200
        assert f"/reservations/staff/setup/facilities/{f.pk}/" in client.get(f"/reservations/staff/facilities/{f.pk}/").content.decode()
    r = client.get("/reservations/staff/setup/exemption-rules/")
    assert r.status_code == 200 and ExemptionRule.objects.exists()
    for rule in ExemptionRule.objects.all():
        assert client.get(f"/reservations/staff/setup/exemption-rules/{rule.pk}/").status_code == 200
    # saving an unchanged facility page changes nothing and writes no audit entry
    f = facilities.first()
    page = client.get(f"/reservations/staff/setup/facilities/{f.pk}/fees/")
    form = page.context["form"]
    data = {name: (form[name].value() if form[name].value() is not None else "") for name in form.fields}
    before = AuditLog.objects.filter(action="update").count()
    assert client.post(f"/reservations/staff/setup/facilities/{f.pk}/fees/", data).status_code == 302
    assert AuditLog.objects.filter(action="update").count() == before


def _image(fmt="PNG", size=(2400, 1200), exif=False):
    import io

    from PIL import Image

    img = Image.new("RGBA" if fmt == "PNG" else "RGB", size, (30, 120, 200, 255) if fmt == "PNG" else (30, 120, 200))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "CameraMaker"  # Make
        data[0x8825] = {2: (35.0, 41.0, 0.0)}  # GPSInfo: latitude
        img.save(out, fmt, exif=data)
    else:
        img.save(out, fmt)
    return out.getvalue()


def test_facility_photo_upload_checked_reencoded_and_public(client, manager, section, facility, django_capture_on_commit_callbacks):
    """写真: checked by content, re-encoded as a JPEG without camera data and at most 1600 px,
    served on the public page; a wrong or broken file gets a message naming the field; the
    description (alt text) is required; removing it deletes the stored file."""
    import io

    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    url = f"/reservations/staff/setup/facilities/{facility.pk}/"
    base = {**FACILITY_POST, "section": section.pk, "code": facility.code, "name": facility.name, "name_kana": facility.name_kana}
    pdf = SimpleUploadedFile("hall.jpg", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="image/jpeg")
    page = client.post(url, {**base, "photo": pdf, "photo_alt": "大ホール"}).content.decode()
    assert "「写真」のファイル「hall.jpg」は名前が .jpg で終わっていますが、中身はPDFです" in page
    broken = SimpleUploadedFile("hall.jpg", _image("JPEG")[:300], content_type="image/jpeg")
    page = client.post(url, {**base, "photo": broken, "photo_alt": "大ホール"}).content.decode()
    assert "画像として読み取れませんでした" in page
    page = client.post(url, {**base, "photo": SimpleUploadedFile("hall.png", _image("PNG"))}).content.decode()
    assert "写真の説明（代替テキスト）を入力してください" in page
    facility.refresh_from_db()
    assert not facility.photo
    r = client.post(url, {**base, "photo": SimpleUploadedFile("hall.jpg", _image("JPEG", exif=True)), "photo_alt": "板張りの大ホール"})
    assert r.status_code == 302
    facility.refresh_from_db()
    first = facility.photo.name
    with default_storage.open(first) as fh:
        stored = Image.open(io.BytesIO(fh.read()))
        assert stored.format == "JPEG" and max(stored.size) == 1600 and not stored.getexif()
    log = AuditLog.objects.filter(action="update", target_type="reservations.facility").latest("pk")
    assert "photo" in log.detail
    public = client.get(f"/reservations/facilities/{facility.pk}/").content.decode()
    assert f"/reservations/facilities/{facility.pk}/photo/?v=" in public and 'alt="板張りの大ホール"' in public
    photo = client.get(f"/reservations/facilities/{facility.pk}/photo/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg" and b"".join(photo.streaming_content)[:2] == b"\xff\xd8"
    api = client.get("/api/reservations/facilities").json()
    assert next(x for x in api if x["id"] == facility.pk)["photo_url"].startswith(f"/reservations/facilities/{facility.pk}/photo/")
    # a PNG replaces it (transparency on white); the old file goes once the change is committed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**base, "photo": SimpleUploadedFile("new.png", _image("PNG")), "photo_alt": "新しい写真"})
    facility.refresh_from_db()
    assert facility.photo.name != first and not default_storage.exists(first)
    # removing it
    second = facility.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**base, "remove_photo": "on", "photo_alt": ""})
    facility.refresh_from_db()
    assert not facility.photo and not default_storage.exists(second)
    assert client.get(f"/reservations/facilities/{facility.pk}/photo/").status_code == 404
