"""Issue #16: procedures that need a マイナンバーカード or gBizID sign-in — the gate (sign in and
come back with nothing lost), the 基本4情報 prefilled as verified and not editable, the level and
subject recorded and shown to staff, the 法人番号 filter; and account linking."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications.factories import ProcedureFactory
from madoguchi.applications.models import Procedure, Submission
from madoguchi.core.factories import PASSWORD, ResidentFactory, SectionFactory, StaffFactory, current_municipality
from madoguchi.core.models import AuditLog
from madoguchi.forms.factories import FormFactory
from madoguchi.identity import oidc, services
from madoguchi.identity.demo_provider import op
from madoguchi.identity.models import IdentityLink
from madoguchi.identity.oidc import VerifiedIdentity
from madoguchi.identity.testing import DjangoClientAdapter, local, query

pytestmark = pytest.mark.django_db

TARO = op.PEOPLE[0]
SCHEMA = {
    "pages": [
        {
            "key": "applicant",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "max_length": 50, "prefill": "full_name"},
                {"key": "birth_date", "type": "date", "label": "生年月日", "prefill": "birth_date"},
                {"key": "address", "type": "address", "label": "住所", "prefill": "address"},
                {"key": "gender", "type": "text", "label": "性別", "required": False, "max_length": 10},
            ],
        },
        {"key": "details", "title": "内容", "fields": [{"key": "note", "type": "textarea", "label": "連絡事項", "required": False, "max_length": 1000}]},
    ]
}


@pytest.fixture(autouse=True)
def demo_op(monkeypatch, settings):
    settings.IDENTITY_DEMO_PROVIDER = True
    settings.MADOGUCHI_PROVIDERS = {"identity": {"digital_auth_app": {"demo": True}, "gbizid": {"demo": True}}}
    monkeypatch.setattr(oidc, "transport_adapter", DjangoClientAdapter())
    oidc.clear_caches()
    op.reset()
    yield
    oidc.clear_caches()


def procedure(level=Procedure.Assurance.MY_NUMBER_CARD, slug="juminhyo"):
    section = SectionFactory(name="市民課", with_email=True)
    return ProcedureFactory(section=section, slug=slug, identity_assurance=level, form=FormFactory(section=section, schema=SCHEMA))


def through_provider(client, response, person=None):
    """Follow the gate: consent page → demo OP → callback → back where the resident was."""
    assert response.status_code == 302 and response["Location"].startswith("/identity/verify/"), response.get("Location")
    provider = response["Location"].split("/")[3]
    consent = client.get(response["Location"])
    assert consent.status_code == 200 and "同意" in consent.content.decode()
    next_url = query(response["Location"])["next"]
    auth = client.post(local(response["Location"]), {"next": next_url})
    params = query(auth["Location"])
    chosen = person or (op.BUSINESSES[0] if provider == "gbizid" else TARO)
    back = client.post("/identity/demo-op/authorize", {**params, "person": chosen.key, "decision": "allow"})
    done = client.get(local(back["Location"]))
    assert done.status_code == 302 and done["Location"] == next_url
    return done


def test_counter_only_without_a_provider(client, settings):
    settings.MADOGUCHI_PROVIDERS = {}
    p = procedure()
    assert not p.can_apply_online
    client.force_login(ResidentFactory())
    response = client.post(reverse("applications:start", args=[p.slug]))
    assert response["Location"] == p.get_absolute_url()
    assert not Submission.objects.exists()


def test_card_sign_in_prefills_verified_answers_and_records_the_level(client):
    p = procedure()
    assert p.can_apply_online
    resident = ResidentFactory()
    client.force_login(resident)
    start = reverse("applications:start", args=[p.slug])
    through_provider(client, client.post(start))
    response = client.post(start)
    draft = Submission.objects.get()
    assert response["Location"] == reverse("applications:fill", args=[draft.uuid, 0])
    assert (draft.identity_assurance, draft.identity_provider) == ("my_number_card", "digital_auth_app")
    assert draft.identity_subject == op.subject(TARO.key, op.DEMO_CLIENT_IDS["card"])
    assert draft.answers["name"] == TARO.name and draft.answers["birth_date"] == TARO.birthdate
    assert draft.answers["address"]["address"] == TARO.address and draft.answers["gender"] == TARO.gender
    assert "identity_verified" not in client.session  # kept only with the submission

    page = client.get(response["Location"]).content.decode()
    assert "本人確認済み" in page and "窓口" in page
    assert 'name="name" readonly' in page or ('name="name"' in page and "readonly" in page)

    # A crafted POST cannot change a verified answer.
    data = {"action": "next", "name": "別人 です", "birth_date": "2000-01-01", "address__postal_code": "190-0001", "address__address": "どこか"}
    client.post(reverse("applications:fill", args=[draft.uuid, 0]), data)
    draft.refresh_from_db()
    assert draft.answers["name"] == TARO.name and draft.answers["birth_date"] == TARO.birthdate
    assert draft.answers["address"]["address"] == TARO.address


def test_a_draft_without_the_sign_in_keeps_what_was_typed(client):
    p = procedure(level=Procedure.Assurance.ACCOUNT)
    client.force_login(ResidentFactory())
    client.post(reverse("applications:start", args=[p.slug]))
    draft = Submission.objects.get()
    Procedure.objects.filter(pk=p.pk).update(identity_assurance=Procedure.Assurance.MY_NUMBER_CARD)
    fill = reverse("applications:fill", args=[draft.uuid, 1])
    response = client.post(fill, {"action": "next", "note": "途中まで書いた内容"})
    draft.refresh_from_db()
    assert draft.answers["note"] == "途中まで書いた内容"  # saved before the sign-in
    through_provider(client, response)
    assert client.get(fill).status_code == 200
    draft.refresh_from_db()
    assert draft.identity_assurance == "my_number_card" and draft.answers["note"] == "途中まで書いた内容" and draft.answers["name"] == TARO.name


def test_gbizid_business_is_shown_to_staff_and_filtered_by_corporate_number(client):
    p = procedure(level=Procedure.Assurance.GBIZID, slug="kyoka")
    resident = ResidentFactory()
    client.force_login(resident)
    start = reverse("applications:start", args=[p.slug])
    through_provider(client, client.post(start))
    client.post(start)
    draft = Submission.objects.get()
    assert (draft.corporate_number, draft.corporate_name) == ("7000012050002", "株式会社あおば商事")
    other = Submission.objects.create(
        procedure=p, section=p.section, form_version=draft.form_version, status=Submission.Status.RECEIVED, receipt_number="X-1", submitted_at=draft.created_at
    )
    Submission.objects.filter(pk=draft.pk).update(status=Submission.Status.RECEIVED, receipt_number="X-2", submitted_at=draft.created_at)

    staff = StaffFactory(section=p.section)
    client.logout()
    login_staff(client, staff)
    detail = client.get(reverse("applications:staff_detail", args=[draft.uuid])).content.decode()
    assert "gBizID" in detail and "7000012050002" in detail and draft.identity_subject in detail
    listing = client.get(reverse("applications:staff_inbox"), {"corporate_number": "7000012050002"}).content.decode()
    assert "X-2" in listing and "X-1" not in listing
    bad = client.get(reverse("applications:staff_inbox"), {"corporate_number": "8000012050002"}).content.decode()
    assert "チェックディジット" in bad
    assert other.pk


# --- account linking ----------------------------------------------------------------------
def _verified(client):
    current_municipality()  # the city the links belong to
    response = client.post("/identity/verify/digital_auth_app/", {"next": "/identity/linked/"})
    params = query(response["Location"])
    back = client.post("/identity/demo-op/authorize", {**params, "person": TARO.key, "decision": "allow"})
    return client.get(local(back["Location"]))


def test_linking_needs_the_password_and_is_audited(client):
    resident = ResidentFactory()
    client.force_login(resident)
    _verified(client)
    page = client.get("/identity/linked/").content.decode()
    assert "連携する" in page
    assert client.post("/identity/linked/link/", {"password": "wrong"}).status_code == 400
    assert not IdentityLink.objects.exists()
    assert client.post("/identity/linked/link/", {"password": PASSWORD}).status_code == 302
    link = IdentityLink.objects.get()
    assert link.user == resident and link.provider == "digital_auth_app"
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE, target_type="identity.identitylink", target_id=str(link.pk)).exists()
    assert "マイナンバーカード" in client.get("/identity/linked/").content.decode()

    # the same card cannot be linked to a second account
    other = ResidentFactory()
    client.force_login(other)
    response = _verified(client)  # the callback refuses to hand this account someone else's card
    assert response.status_code == 302 and "identity_verified" not in client.session
    client.post("/identity/linked/link/", {"password": PASSWORD})
    assert IdentityLink.objects.count() == 1
    identity = VerifiedIdentity(provider="digital_auth_app", assurance="my_number_card", subject=link.subject)
    with pytest.raises(ValidationError):
        services.link(other, identity)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        IdentityLink.objects.create(municipality=link.municipality, user=other, provider=link.provider, subject=link.subject)

    # unlinking is audited
    client.force_login(resident)
    assert client.post(f"/identity/linked/{link.pk}/unlink/").status_code == 302
    assert not IdentityLink.objects.exists()
    assert AuditLog.objects.filter(action=AuditLog.Action.DELETE, target_type="identity.identitylink").exists()


def test_a_linked_card_signs_its_resident_in(client):
    resident = ResidentFactory()
    client.force_login(resident)
    _verified(client)
    client.post("/identity/linked/link/", {"password": PASSWORD})
    client.logout()
    _verified(client)
    assert int(client.session["_auth_user_id"]) == resident.pk
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN, detail__factor="digital_auth_app").exists()


def test_the_api_refuses_a_strict_procedure(client):
    p = procedure()
    client.force_login(ResidentFactory())
    response = client.post(f"/api/applications/procedures/{p.slug}/submissions", {"answers": {}}, content_type="application/json")
    assert response.status_code == 403 and "本人確認" in response.json()["detail"]


def test_staff_may_put_a_card_procedure_online_where_a_provider_is_registered(settings):
    from madoguchi.applications.forms import _provider_for
    from madoguchi.core import tenancy

    p = procedure()
    with tenancy.using(p.municipality):
        assert _provider_for("my_number_card") and _provider_for("gbizid")
        settings.MADOGUCHI_PROVIDERS = {}
        assert not _provider_for("my_number_card")


def test_an_old_sign_in_is_asked_again(client, settings):
    p = procedure()
    client.force_login(ResidentFactory())
    start = reverse("applications:start", args=[p.slug])
    through_provider(client, client.post(start))
    settings.IDENTITY_VERIFIED_MAX_AGE = -1  # the sign-in is now too old to start an application
    assert client.post(start)["Location"].startswith("/identity/verify/digital_auth_app/")
    assert not Submission.objects.exists()
