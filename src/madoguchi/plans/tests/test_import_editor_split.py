"""Follow-ups to the structure editor (issue #13 item 7): split at a cut point staff choose,
stored and replayed; the level depth read with the project's int_param (0 stays valid); and the
table family's header-band stop rule, simplified, proven equal to the former expression."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.core.factories import MunicipalityFactory
from madoguchi.plans.import_editor import load_preview
from madoguchi.plans.importer import parse, read_rows, structure
from madoguchi.plans.importer.structure import split_title
from madoguchi.plans.importer.table import _header_columns, header_fits, is_header
from madoguchi.plans.models import PlanImport

from .conftest import staff_login
from .test_importer_corpus import CORPUS, EXPECTED, _path


@pytest.mark.parametrize(
    ("at", "parts"),
    [
        (None, ("窓口予約", "キャッシュレス決済・電子申請の導入")),  # the first 、 as before
        ("・", ("窓口予約、キャッシュレス決済", "電子申請の導入")),  # a delimiter staff chose
        (4, ("窓口予約", "キャッシュレス決済・電子申請の導入")),  # an offset (the 、 is trimmed)
        (14, ("窓口予約、キャッシュレス決済", "電子申請の導入")),
        (0, None),  # a part would be empty
        (99, None),
        ("及び", None),  # not in the title
    ],
)
def test_split_title_at_the_chosen_cut_point(at, parts):
    assert split_title("窓口予約、キャッシュレス決済・電子申請の導入", at) == parts


def _upload(client, org, text: str, name="split.txt"):
    staff_login(client, org["users"]["ip"])
    muni = MunicipalityFactory(name="ことり町", code="133000")
    resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile(name, text.encode()), "municipality": muni.pk})
    return resp["Location"], PlanImport.objects.get(filename=name)


DOC = (CORPUS / "s2_heading_items.txt").read_text()


def test_split_at_a_chosen_delimiter_is_stored_and_replayed(client, org):
    url, imp = _upload(client, org, DOC.replace("テレワークの推進", "テレワーク・モバイルワークの推進"))
    item = next(it for it in load_preview(imp).items.values() if it.title == "テレワーク・モバイルワークの推進")
    resp = client.post(url, {"structure_op": "1", "op": "split", "key": item.key, "at": "・"})
    assert resp.status_code == 302
    imp.refresh_from_db()
    assert structure.ops_of(imp.decisions)[-1] == {"op": "split", "key": item.key, "at": "・"}
    titles = [it.title for it in load_preview(imp).items.values()]  # replayed on a re-parse
    assert "テレワーク" in titles and "モバイルワークの推進" in titles
    # An offset, stored as a number; a cut that leaves an empty part is refused, not stored.
    other = next(it for it in load_preview(imp).items.values() if it.title == "ペーパーレス会議")
    client.post(url, {"structure_op": "1", "op": "split", "key": other.key, "at": "6"})
    resp = client.post(url, {"structure_op": "1", "op": "split", "key": other.key, "at": "999999999999999999999"}, follow=True)
    assert "反映できませんでした" in resp.content.decode()
    imp.refresh_from_db()
    assert [op.get("at") for op in structure.ops_of(imp.decisions)] == ["・", 6]
    titles = [it.title for it in load_preview(imp).items.values()]
    assert "ペーパーレス" in titles and "会議" in titles
    assert "分ける位置" in client.get(url).content.decode()


def test_rename_level_depth_uses_int_param(client, org):
    url, imp = _upload(client, org, DOC)
    client.post(url, {"structure_op": "1", "op": "rename_level", "depth": "0", "name": "基本目標"})
    for bad in ("x", "9" * 30, "-1", ""):
        resp = client.post(url, {"structure_op": "1", "op": "rename_level", "depth": bad, "name": "何か"}, follow=True)
        assert resp.status_code == 200 and "反映できませんでした" in resp.content.decode()
    imp.refresh_from_db()
    assert structure.ops_of(imp.decisions) == [{"op": "rename_level", "depth": 0, "name": "基本目標"}]
    assert load_preview(imp).level_names[0] == "基本目標"


def _old_band_of(rows, anchor):  # the former table._band_of, kept here as the reference
    _cols, last = _header_columns(rows, anchor)
    return set(range(anchor, last + 1))


def test_the_header_stop_rule_equals_the_former_band_expression():
    checked = 0
    for name in sorted(EXPECTED):
        rows = read_rows(_path(name).read_bytes(), name)
        headers = [i for i, r in enumerate(rows) if is_header(r)]
        for anchor in [i for i in headers if header_fits(rows, i)]:
            _cols, last = _header_columns(rows, anchor)
            old = next((h for h in headers if h > anchor and h not in _old_band_of(rows, anchor)), len(rows))
            new = next((h for h in headers if h > last), len(rows))
            assert old == new, (name, anchor)
            checked += 1
    assert checked >= 3
    assert parse((CORPUS / "s5_spreadsheet.csv").read_bytes(), "s5.csv").items
