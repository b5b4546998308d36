"""The search: tokenising, both backends through the same service, ranking and highlighting,
per-city isolation, synonyms (staff screen, audited), the zero-result list (never a
マイナンバー), suggestions, and the index kept current through the outbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications.factories import ProcedureFactory
from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog, MunicipalityDomain, Task
from madoguchi.search import services, tokenizer
from madoguchi.search.models import SearchEntry, Synonym, ZeroResultQuery

pytestmark = pytest.mark.django_db

VALID_MY_NUMBER = "123456789018"  # passes the check digit (core.codes)


def test_tokens_fold_width_kana_and_index_both_split_modes():
    terms = tokenizer.index_terms("住民票の写しの交付請求")
    assert {"住民票", "住民", "票", "じゅうみんひょう"} <= set(terms)  # C, A and reading
    assert tokenizer.fold("ｿﾀﾞｲｺﾞﾐ") == "そだいごみ"
    assert "引っ越し" in tokenizer.index_terms("引越しの届出")  # SudachiPy's normalised form


@pytest.fixture
def city(db):
    city = MunicipalityFactory()
    MunicipalityDomain.objects.create(municipality=city, domain="search.localhost", is_primary=True)
    with tenancy.using(city):
        section = SectionFactory(municipality=city, name="市民課")
        ProcedureFactory(
            section=section, slug="juminhyo", name="住民票の写しの交付請求", name_kana="じゅうみんひょうのうつし", summary="住民票の写しを郵送で受け取れます。"
        )
        ProcedureFactory(section=section, slug="tennyu", name="転入届", name_kana="てんにゅうとどけ", summary="市外から引っ越してきた方の届出です。")
        ProcedureFactory(section=section, slug="kazei", name="課税証明書", name_kana="", summary="住民票のある市で発行します。")
        ProcedureFactory(section=section, slug="sodai", name="粗大ごみ収集の申込", name_kana="そだいごみ", summary="家具などを収集します。")
        services.index("procedures", city)
    return city


def titles(city, q, **kw):
    with tenancy.using(city):
        return [r.entry.title for r in services.search(city, q, **kw).results]


def test_title_above_body_kana_width_and_typos(city):
    found = titles(city, "住民票")
    assert found[:2] == ["住民票の写しの交付請求", "課税証明書"]  # title hit above body hit
    assert titles(city, "じゅうみんひょう")[0] == "住民票の写しの交付請求"
    assert titles(city, "ｿﾀﾞｲｺﾞﾐ")[0] == "粗大ごみ収集の申込"
    assert titles(city, "粗大ゴミ")[0] == "粗大ごみ収集の申込"
    with tenancy.using(city):
        typo = services.search(city, "そだいごむ")
    assert typo.results[0].entry.key == "sodai"


def test_one_kanji_words_side_by_side_are_one_compound(city):
    # SudachiPy splits 市外 / 市内 into 市 + 外 / 内 (and 内 reads ない, a stop word): the query
    # keeps the compound whole, so 市 in a title and 外 somewhere else do not make a match.
    groups = services.parse("市外に引っ越す", {})
    assert [g.text for g in groups] == ["市外", "引っ越す"]
    assert [g.text for g in services.parse("市内で引っ越した", {})] == ["市内", "引っ越し"]
    assert titles(city, "市外")[0] == "転入届"  # 「市外から…」 in its summary
    with tenancy.using(city):
        ProcedureFactory(section=SectionFactory(municipality=city, name="総務課"), slug="x", name="市の外郭団体", summary="")
        services.index("procedures", city)
    assert "市の外郭団体" not in titles(city, "市外")


def test_highlight_escapes_and_marks(city):
    with tenancy.using(city):
        section = SectionFactory(municipality=city, name="総務課")
        ProcedureFactory(section=section, slug="x", name="<script>住民票</script>", summary="a & b")
        services.index("procedures", city)
        result = next(r for r in services.search(city, "住民票").results if r.entry.key == "x")
    assert "&lt;script&gt;<mark>住民票</mark>&lt;/script&gt;" == str(result.title_html)


def test_synonyms_expand_queries_and_are_per_city(city):
    other = MunicipalityFactory()
    with tenancy.using(city):
        assert titles(city, "移転") == []
        Synonym.objects.create(municipality=city, term="移転", expansions="転入届、転出届", section=city_section(city))
    assert titles(city, "移転") == ["転入届"]
    assert titles(city, "いてん") == ["転入届"]  # the synonym's reading matches too
    with tenancy.using(other):
        assert services.search(other, "転入届").results == []  # another city's index is not read


def city_section(city):
    from madoguchi.core.models import Section

    return Section.objects.get(municipality=city, name="市民課")


def test_zero_results_logged_normalised_but_never_a_my_number(city, client):
    url = reverse("search:search")
    client.get(url, {"q": "ＸＹＺ存在しない"}, HTTP_HOST="search.localhost")
    client.get(url, {"q": "xyz存在しない"}, HTTP_HOST="search.localhost")
    client.get(url, {"q": f"番号 {VALID_MY_NUMBER}"}, HTTP_HOST="search.localhost")
    client.get(url, {"q": "1234-5678-9012"}, HTTP_HOST="search.localhost")
    with tenancy.using(city):
        rows = list(ZeroResultQuery.objects.values_list("query", "count"))
    assert rows == [("xyz存在しない", 2)]


def test_public_page_kind_filter_and_suggest(city, client):
    page = client.get(reverse("search:search"), {"q": "住民票", "kind": "procedures"}, HTTP_HOST="search.localhost")
    text = page.content.decode()
    assert page.status_code == 200 and "2 件" in text and "<mark>住民票</mark>" in text and 'role="status"' in text
    none = client.get(reverse("search:search"), {"q": "住民票", "kind": "facilities"}, HTTP_HOST="search.localhost")
    assert "0 件" in none.content.decode()
    fragment = client.get(reverse("search:suggest"), {"q": "じゅうみん"}, HTTP_HOST="search.localhost", HTTP_HX_REQUEST="true").content.decode()
    assert "住民票の写しの交付請求" in fragment and "<html" not in fragment
    assert ZeroResultQuery.objects.count() == 0  # neither filtered searches nor suggestions are logged
    direct = client.get(reverse("search:suggest"), {"q": "住民票"}, HTTP_HOST="search.localhost")
    assert direct.status_code == 302 and direct["Location"].startswith(reverse("search:search"))


def test_staff_synonym_screen_checks_section_and_audits(city, client):
    with tenancy.using(city):
        shimin = city_section(city)
        other = SectionFactory(municipality=city, name="ごみ対策課")
        clerk = StaffFactory(section=shimin, verified=True)
        theirs = Synonym.objects.create(municipality=city, term="ゴミ", expansions="ごみ", section=other)
    login_staff(client, clerk)
    new = client.post(
        reverse("search:staff_synonym_new"), {"term": "マイナ", "expansions": "マイナンバーカード", "section": shimin.pk}, HTTP_HOST="search.localhost"
    )
    assert new.status_code == 302
    refused = client.post(
        reverse("search:staff_synonym_edit", args=[theirs.pk]), {"term": "ゴミ", "expansions": "x", "section": shimin.pk}, HTTP_HOST="search.localhost"
    )
    assert refused.status_code == 302
    with tenancy.using(city):
        assert Synonym.objects.get(pk=theirs.pk).expansions == "ごみ"
        assert Synonym.objects.get(term="マイナ").updated_by == clerk
        assert AuditLog.objects.filter(action="create", target_type__icontains="synonym").count() == 1
    bad = client.post(reverse("search:staff_synonym_new"), {"term": VALID_MY_NUMBER, "expansions": "x", "section": shimin.pk}, HTTP_HOST="search.localhost")
    assert bad.status_code == 200 and "マイナンバー" in bad.content.decode()
    assert client.get(reverse("search:staff_zero"), HTTP_HOST="search.localhost").status_code == 200
    assert client.get(reverse("search:staff_synonyms"), HTTP_HOST="search.localhost").status_code == 200


def test_saving_a_procedure_queues_one_reindex_that_updates_the_index(city, run_tasks):
    Task.objects.all().delete()
    with tenancy.using(city):
        section = city_section(city)
        ProcedureFactory(section=section, slug="konin", name="婚姻届", summary="結婚の届出です。")
        ProcedureFactory(section=section, slug="rikon", name="離婚届", summary="離婚の届出です。")
        assert Task.objects.filter(name="search.reindex", status="pending").count() == 1
    run_tasks()
    assert titles(city, "婚姻届") == ["婚姻届"]
    with tenancy.using(city):
        from madoguchi.applications.models import Procedure

        Procedure.objects.get(slug="konin").delete()
    run_tasks()
    assert titles(city, "婚姻届") == []


def test_reindex_command(city):
    from django.core.management import call_command

    with tenancy.using(city):
        SearchEntry.objects.all().delete()
    call_command("search_reindex", "--city", city.code, stdout=open("/dev/null", "w"))
    assert titles(city, "転入届") == ["転入届"]
