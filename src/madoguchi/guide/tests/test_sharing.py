"""ひな形の共有 for guides (issue #10 item 3): a city shares a published guide, another city of
the same deployment lists and copies it into a draft of its own (procedures it lacks listed
and refused at review), and is offered — never given — the origin's newer versions."""

from __future__ import annotations

import pytest

from madoguchi.accounts.testing import login_staff
from madoguchi.applications.factories import ProcedureFactory
from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog, MunicipalityDomain, StaffRole
from madoguchi.guide import services, sharing
from madoguchi.guide.factories import GuideFactory, simple_definition
from madoguchi.guide.models import Guide, GuideVersion, SharedGuide

pytestmark = pytest.mark.django_db
A_HOST, B_HOST = "midorino.localhost", "aobadai.localhost"
Status = GuideVersion.Status


def _definition(title="転入"):
    defn = simple_definition("tennyu")
    defn["title"] = {"ja": title, "en": "Moving in"}
    defn["groups"][0]["steps"].append({"key": "kokuho", "procedure": "kokuho-kanyu"})  # only みどり野市 has it
    return defn


@pytest.fixture
def cities(db):
    out = {}
    for key, name, host in (("a", "みどり野市", A_HOST), ("b", "あおば台町", B_HOST)):
        city = MunicipalityFactory(name=name)
        MunicipalityDomain.objects.create(municipality=city, domain=host, is_primary=True)
        with tenancy.using(city):
            section = SectionFactory(municipality=city, name="市民課")
            ProcedureFactory(section=section, slug="tennyu", name="転入届", form=None, online=False)
            out[key] = {
                "city": city,
                "host": host,
                "section": section,
                "clerk": StaffFactory(section=section),
                "boss": StaffFactory(section=section, role=StaffRole.Role.APPROVER),
            }
    with tenancy.using(out["a"]["city"]):
        ProcedureFactory(section=out["a"]["section"], slug="kokuho-kanyu", name="国民健康保険の加入", form=None, online=False)
        out["a"]["guide"] = GuideFactory(section=out["a"]["section"], slug="moving-in", definition=_definition())
        out["a"]["secret"] = GuideFactory(section=out["a"]["section"], slug="naibu", definition=_definition("内部だけのガイド"))
    tenancy.clear_caches()
    return out


def _as(client, who, role="clerk"):
    client.logout()
    login_staff(client, who[role])
    return client


def _publish(city, guide, defn):
    """A new version of ``guide`` through the review: the clerk edits and sends, the boss approves."""
    with tenancy.using(city["city"]):
        draft = services.editable_draft(guide, city["clerk"])
        services.save_draft(draft, defn, city["clerk"])
        services.submit(draft, city["clerk"])
        return services.approve(draft, city["boss"])


def _share(client, cities):
    _as(client, cities["a"])
    return client.post("/guides/staff/moving-in/share/", {"action": "share", "description": "転入の手続をまとめたガイドです。"}, HTTP_HOST=A_HOST)


def test_share_copy_map_review_and_origin_updates(client, cities):
    a, b = cities["a"], cities["b"]
    assert _share(client, cities).status_code == 302
    shared = SharedGuide.objects.get(guide=a["guide"])
    assert shared.is_shared and shared.version_number == 1 and shared.municipality_id == a["city"].pk and shared.name == "転入"
    assert "ひな形の公開をやめる" in client.get("/guides/staff/moving-in/sharing/", HTTP_HOST=A_HOST).content.decode()

    # The other city lists it (name, city, version, description, the checklist's items), not the unshared guide.
    _as(client, b)
    body = client.get("/guides/staff/templates/", HTTP_HOST=B_HOST).content.decode()
    assert "転入" in body and "みどり野市" in body and "第1版" in body and "転入の手続をまとめたガイドです。" in body and "印鑑登録" in body
    assert "内部だけのガイド" not in body
    detail = client.get(f"/guides/staff/templates/{shared.pk}/", HTTP_HOST=B_HOST)
    assert detail.status_code == 200 and "この自治体にない手続" in detail.content.decode() and "kokuho-kanyu" in detail.content.decode()

    # Copy: a draft in あおば台町 with its origin; the missing procedure is listed and refused at review.
    response = client.post(f"/guides/staff/templates/{shared.pk}/", {"section": b["section"].pk, "slug": "tennyu-guide"}, HTTP_HOST=B_HOST)
    assert response.status_code == 302 and response["Location"].endswith("/guides/staff/tennyu-guide/edit/")
    with tenancy.using(b["city"]):
        copy = Guide.objects.get(slug="tennyu-guide")
        assert (copy.origin_template_id, copy.origin_guide_id, copy.origin_version, copy.origin_municipality_id) == (shared.pk, a["guide"].pk, 1, a["city"].pk)
        assert copy.published is None and list(copy.versions.values_list("number", "status")) == [(1, Status.DRAFT)]
    edit = client.get("/guides/staff/tennyu-guide/edit/", HTTP_HOST=B_HOST).content.decode()
    assert "この自治体にない手続" in edit and "kokuho-kanyu" in edit and "みどり野市のひな形（第1版）をコピー" in edit
    with tenancy.using(b["city"]), pytest.raises(Exception, match="kokuho-kanyu"):
        services.submit(copy.versions.get(number=1), b["clerk"])

    # Map: remove the steps of the missing procedure (replacing with a city procedure works the same way).
    client.post("/guides/staff/tennyu-guide/map-procedure/", {"prefix": "map-0", "map-0-missing": "kokuho-kanyu", "map-0-replacement": ""}, HTTP_HOST=B_HOST)
    with tenancy.using(b["city"]):
        draft = copy.versions.get(number=1)
        assert sharing.missing_procedures(draft.definition) == [] and "kokuho" not in str(draft.definition)
    assert "この自治体にない手続" not in client.get("/guides/staff/tennyu-guide/edit/", HTTP_HOST=B_HOST).content.decode()
    with tenancy.using(b["city"]):
        services.submit(draft, b["clerk"])
        services.approve(draft, b["boss"])

    # The origin publishes version 2: it becomes the shared one; the copy is offered it, unchanged meanwhile.
    v2 = _definition()
    v2["groups"][1]["steps"].append({"key": "gomi", "title": {"ja": "ごみの出し方の確認"}})
    _publish(a, a["guide"], v2)
    shared.refresh_from_db()
    assert shared.version_number == 2 and "ごみの出し方の確認" in str(shared.definition)
    with tenancy.using(b["city"]):
        copy.refresh_from_db()
        assert copy.versions.count() == 1 and "ごみ" not in str(copy.published.definition)
    page = client.get("/guides/staff/tennyu-guide/sharing/", HTTP_HOST=B_HOST).content.decode()
    assert "元のガイドに新しい版があります" in page and "第2版を公開しました" in page and "追加される手順: ごみの出し方の確認" in page

    # Apply: a new draft version (version 2) with the origin's rules; the published one stays.
    response = client.post("/guides/staff/tennyu-guide/origin/apply/", {"version": "2"}, HTTP_HOST=B_HOST)
    assert response.status_code == 302
    with tenancy.using(b["city"]):
        copy.refresh_from_db()
        new = copy.versions.get(number=2)
        assert new.status == Status.DRAFT and "ごみの出し方の確認" in str(new.definition) and copy.published.number == 1 and copy.origin_version == 2
    assert "元のガイドに新しい版があります" not in client.get("/guides/staff/tennyu-guide/sharing/", HTTP_HOST=B_HOST).content.decode()

    # Version 3 at the origin: dismissing hides the notice without touching the copy.
    _publish(a, a["guide"], _definition("転入（改訂）"))
    assert "元のガイドに新しい版があります" in client.get("/guides/staff/tennyu-guide/sharing/", HTTP_HOST=B_HOST).content.decode()
    assert client.post("/guides/staff/tennyu-guide/origin/dismiss/", {"version": "2"}, HTTP_HOST=B_HOST).status_code == 404  # stale notice
    assert client.post("/guides/staff/tennyu-guide/origin/dismiss/", {"version": "3"}, HTTP_HOST=B_HOST).status_code == 302
    assert "元のガイドに新しい版があります" not in client.get("/guides/staff/tennyu-guide/sharing/", HTTP_HOST=B_HOST).content.decode()
    with tenancy.using(b["city"]):
        assert copy.versions.count() == 2

    whats = set(AuditLog.objects.exclude(detail__what=None).values_list("detail__what", flat=True))
    assert {
        "ガイドをひな形として他の自治体に公開",
        "他の自治体のひな形をコピーしてガイドを作成",
        "元のガイドの更新を下書きに取り込み",
        "元のガイドの更新のお知らせを閉じた",
    } <= whats


def test_withdrawn_disappear_and_other_cities_guides_stay_hidden(client, cities):
    a = cities["a"]
    _share(client, cities)
    shared = SharedGuide.objects.get(guide=a["guide"])
    assert client.post("/guides/staff/moving-in/share/", {"action": "withdraw"}, HTTP_HOST=A_HOST).status_code == 302
    shared.refresh_from_db()
    assert not shared.is_shared
    assert "ガイドのひな形の公開をやめた" in set(AuditLog.objects.values_list("detail__what", flat=True))

    _as(client, cities["b"])
    assert "転入" not in client.get("/guides/staff/templates/", HTTP_HOST=B_HOST).content.decode()
    assert client.get(f"/guides/staff/templates/{shared.pk}/", HTTP_HOST=B_HOST).status_code == 404
    # Another city's guides, shared or not, are never reachable by their own pages.
    for url in ("/guides/staff/naibu/sharing/", "/guides/staff/naibu/edit/", "/guides/staff/moving-in/v1/", "/guides/naibu/"):
        assert client.get(url, HTTP_HOST=B_HOST).status_code == 404, url
    # A city's own shared guide is not in its own list of other cities' templates.
    _share(client, cities)
    assert "転入の手続をまとめたガイドです。" not in client.get("/guides/staff/templates/", HTTP_HOST=A_HOST).content.decode()


def test_share_needs_a_published_version_and_change_rights(client, cities):
    a = cities["a"]
    with tenancy.using(a["city"]):
        GuideFactory(section=a["section"], slug="draft-only", published=False)
        other = SectionFactory(municipality=a["city"], name="税務課")
        outsider = StaffFactory(section=other)
    _as(client, a)
    response = client.post("/guides/staff/draft-only/share/", {"action": "share", "description": ""}, HTTP_HOST=A_HOST)
    assert response.status_code == 400 and "公開中の版がない" in response.content.decode()
    client.logout()
    login_staff(client, outsider)
    response = client.post("/guides/staff/moving-in/share/", {"action": "share", "description": ""}, HTTP_HOST=A_HOST)
    assert response.status_code in (302, 403) and not SharedGuide.objects.exists()
