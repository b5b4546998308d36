"""The published form definition as a public read (forms/public_reads.py, core.publicread)."""

from madoguchi.core import publicread
from madoguchi.core.factories import MunicipalityFactory
from madoguchi.core.models import MunicipalityDomain
from madoguchi.forms import services


def _served_by_public_read(response) -> bool:
    # The session middleware never ran: the request has no session (nor a user).
    return not hasattr(response.wsgi_request, "session")


def test_the_definition_skips_the_session_and_is_the_operations_answer(client, org, sample_schema, monkeypatch):
    form = services.create_form("転出届", sample_schema)
    client.force_login(org["users"]["shimin"])  # half signed in: the definition is public all the same
    fast = client.get(f"/api/forms/{form.pk}")
    assert fast.status_code == 200 and _served_by_public_read(fast)
    assert fast["Content-Length"] == str(len(fast.content)) and fast["X-Frame-Options"] == "DENY"
    assert "Cookie" not in fast.get("Vary", "") and not fast.cookies
    monkeypatch.setattr(publicread, "_routes", [])  # the full stack's operation, for comparison
    client.logout()
    full = client.get(f"/api/forms/{form.pk}")
    assert full.status_code == 200 and not _served_by_public_read(full)
    assert fast.content == full.content and fast["Cache-Control"] == full["Cache-Control"] == "public, max-age=60"
    assert fast.json()["definition"]["pages"][0]["key"] == "applicant"


def test_drafts_unknown_ids_and_other_citys_forms_get_the_operations_answer(client, org, sample_schema):
    form = services.create_form("転出届", sample_schema)
    draft = services.create_form("下書きだけ", sample_schema, publish=False)
    other = MunicipalityFactory(name="別の市", is_fictional=False)
    MunicipalityDomain.objects.create(municipality=other, domain="other.localhost")
    for host, pk, status in (
        ("testserver", draft.pk, 404),
        ("testserver", 2147483647, 404),
        ("other.localhost", form.pk, 404),
        ("testserver", 9999999999, 422),  # past the id range: the operation's validation error
    ):
        r = client.get(f"/api/forms/{pk}", HTTP_HOST=host)
        assert r.status_code == status and not _served_by_public_read(r)
    assert "見つかりません" in client.get(f"/api/forms/{draft.pk}").json()["detail"]
    assert not _served_by_public_read(client.get("/api/forms/postal-code/1900012"))
